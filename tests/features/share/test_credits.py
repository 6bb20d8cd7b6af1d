"""Paid orders credit the buyer's referrer exactly once, judged at the instant the order was placed; the credits,
visits and referrals reach PostgreSQL; a worker killed mid-batch loses and duplicates nothing."""

from __future__ import annotations

from sharehelp import WINDOW_S, sale_spec

from livecore.clock import ManualClock
from livecore.commerce.orders import OrderService
from livecore.commerce.sale_keys import SaleKeys
from livecore.commerce.sales import SalesService
from livecore.core.outcome import accepted
from livecore.features.share.keys import ShareKeys
from livecore.features.share.reconcile import reconcile
from livecore.features.share.service import ShareService
from livecore.features.share.worker import credit_orders, order_crediter, persist_share, share_persister
from livecore.runtime import Runtime

ROOM = "r1"


async def buy_and_pay(sales: SalesService, orders: OrderService, sale: str, user: str, key: str) -> str:
    bought = await sales.buy(ROOM, user, sale, key)
    assert accepted(bought), bought
    paid = await orders.pay(bought["order"], user)
    assert accepted(paid), paid
    return str(bought["order"])


async def test_orders_within_the_window_credit_the_referrer_once(srt: Runtime, share: ShareService, sales, orders,  # type: ignore[no-untyped-def]
                                                                 db, clock: ManualClock) -> None:
    sale = (await sales.create(ROOM, sale_spec(price=1000), "host"))["id"]
    ann = (await share.make_code(ROOM, "ann", "wechat"))["code"]
    assert accepted(await share.visit(ROOM, "cat", ann))
    early = await buy_and_pay(sales, orders, sale, "cat", "k1")  # at the touch itself
    stranger = await buy_and_pay(sales, orders, sale, "dan", "k2")  # no referrer
    clock.advance(WINDOW_S - 0.001)
    last = await buy_and_pay(sales, orders, sale, "cat", "k3")  # the window's last millisecond
    clock.advance(0.001)
    late = await buy_and_pay(sales, orders, sale, "cat", "k4")  # touch + window: lapsed
    crediter = order_crediter(srt, "w")
    assert await crediter.drain() > 0
    assert await order_crediter(srt, "w").drain() == 0  # nothing left, nothing twice
    f = await share.funnel(ROOM)
    wechat = next(c for c in f["channels"] if c["channel"] == "wechat")
    assert (wechat["orders"], wechat["gmv"]) == (2, 2000)
    assert [(r["user"], r["new"], r["gmv"]) for r in f["top"]] == [("ann", 1, 2000)]
    behind = await reconcile(srt, ROOM)
    assert behind["outbox_behind"] > 0 and not behind["ok"]  # the persister has not run yet
    assert await share_persister(srt, "p").drain() > 0
    settled = await reconcile(srt, ROOM)
    assert settled["ok"] and settled["outbox_behind"] == 0, settled
    assert settled["redis"]["credits"] == settled["postgresql"]["credits"] == 2
    rows = await db.fetch("SELECT order_id, referrer_id, channel, amount FROM share_credits ORDER BY ordered_at")
    assert [(r["order_id"], r["referrer_id"], r["channel"], r["amount"]) for r in rows] == [
        (early, "ann", "wechat", 1000), (last, "ann", "wechat", 1000)]
    assert stranger not in {r["order_id"] for r in rows} and late not in {r["order_id"] for r in rows}
    assert await db.fetchval("SELECT count(*) FROM share_visits") == 1
    assert await db.fetchval("SELECT referrer_id FROM share_referrals WHERE user_id = 'cat'") == "ann"
    # a planted difference is named
    await db.execute("DELETE FROM share_credits WHERE order_id = $1", last)
    planted = await reconcile(srt, ROOM)
    assert not planted["ok"]
    assert planted["differences"] == ["credits: redis 2 != postgresql 1", "credited_gmv: redis 2000 != postgresql 1000",
                                      "credited_orders: redis 2 != postgresql 1"]


async def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(srt: Runtime, share: ShareService, sales,  # type: ignore[no-untyped-def]
                                                                      orders, db) -> None:
    sale = (await sales.create(ROOM, sale_spec(quantity=40, price=500), "host"))["id"]
    ann = (await share.make_code(ROOM, "ann", "qq"))["code"]
    buyers = [f"b{i}" for i in range(8)]
    for b in buyers:
        assert accepted(await share.visit(ROOM, b, ann))
        await buy_and_pay(sales, orders, sale, b, "k" + b)
    stream = SaleKeys(srt.keys).orders_stream(ROOM)
    # a crediter reads a batch, runs the script for half of it and dies before acknowledging anything
    await srt.redis.xgroup_create(stream, "share-credit", id="0", mkstream=True)
    got = await srt.redis.xreadgroup("share-credit", "dead", {stream: ">"}, count=100)
    entries = [(i.decode(), f) for i, f in got[0][1]]
    assert len(entries) == 16  # 8 orders and 8 payments
    assert await credit_orders(srt, entries[: len(entries) // 2]) == 4
    # a survivor takes the dead consumer's entries over and finishes
    assert await order_crediter(srt, "alive", claim_idle_ms=0).drain() == 16
    qq = next(c for c in (await share.funnel(ROOM))["channels"] if c["channel"] == "qq")
    assert (qq["orders"], qq["gmv"]) == (8, 4000)
    # the persister commits a batch and dies before its XACK; another one replays it
    out = ShareKeys(srt.keys).outbox(ROOM)
    await srt.redis.xgroup_create(out, "share", id="0", mkstream=True)
    got = await srt.redis.xreadgroup("share", "dead", {out: ">"}, count=10)
    first = [(i.decode(), f) for i, f in got[0][1]]
    async with db.acquire() as conn, conn.transaction():
        await persist_share(conn, ROOM, first)
    assert await share_persister(srt, "alive", claim_idle_ms=0).drain() == await srt.redis.xlen(out)
    assert await db.fetchval("SELECT count(*) FROM share_credits") == 8
    assert await db.fetchval("SELECT sum(amount) FROM share_credits") == 4000
    assert await db.fetchval("SELECT count(*) FROM share_visits") == 8
    assert await db.fetchval("SELECT count(*) FROM share_referrals") == 8
    assert await srt.redis.hlen(ShareKeys(srt.keys).credited(ROOM)) == 8
