"""A member of a completed group (成团) who pays their order credits their referrer once per member order (the share
funnel's orders and GMV at the group price), judged at the instant the member joined; a confirmed order not yet paid,
a lapsed one and a dissolved group's credit nobody; credits reach PostgreSQL through the share outbox; a consumer that
dies after crediting part of a batch, before acknowledging it, loses and duplicates nothing."""

from __future__ import annotations

from typing import Any

import pytest
from gbhelp import ROOM, ok

from livecore.clock import ManualClock
from livecore.features.groupbuy.credit import GROUP, credit_groups, crediter
from livecore.features.groupbuy.keys import GroupKeys
from livecore.features.groupbuy.service import GroupBuyService
from livecore.features.groupbuy.settle import GroupTimer
from livecore.features.share.keys import ShareKeys
from livecore.features.share.service import ShareService
from livecore.features.share.worker import share_persister
from livecore.runtime import Runtime
from livecore.workers.outbox import Entry


@pytest.fixture
def share(grt: Runtime) -> ShareService:
    return ShareService(grt)


async def steps(share: ShareService, channel: str) -> tuple[int, int]:
    row = next(r for r in (await share.funnel(ROOM))["channels"] if r["channel"] == channel)
    return row["orders"], row["gmv"]


async def credit_entries(rt: Runtime) -> list[dict[bytes, bytes]]:
    entries = await rt.redis.xrange(ShareKeys(rt.keys).outbox(ROOM))
    return [f for _, f in entries if f[b"k"] == b"credit"]


async def test_a_completed_group_credits_each_referred_member_once(gb: GroupBuyService, share: ShareService,  # type: ignore[no-untyped-def]
                                                                   make_deal, grt: Runtime, db) -> None:
    deal = (await make_deal(units=10, size=3, price=4900))["id"]
    zed = (await share.make_code(ROOM, "zed", "link"))["code"]
    assert isinstance(await share.visit(ROOM, "cat", zed), dict)  # cat came through zed's room link earlier
    group = ok(await gb.open(ROOM, "ann", deal, "k"))["group"]  # ann: nobody's referral
    code = (await share.make_code(ROOM, "ann", "wechat", group))["code"]
    bob = ok(await gb.join(ROOM, "bob", group, "k", share=code))["order"]
    worker = crediter(grt, "c1")
    assert await worker.drain() == 2  # the join entries of ann and bob: an open group credits nothing yet
    assert await steps(share, "wechat") == (0, 0)
    cat = ok(await gb.join(ROOM, "cat", group, "k"))
    assert cat["status"] == "complete"
    await worker.drain()
    assert await steps(share, "wechat") == (0, 0)  # confirmed, not paid yet: no order in the funnel
    paid = {user: ok(await gb.pay(ROOM, group, user)) for user in ("ann", "bob", "cat")}
    assert all(p["status"] == "paid" and p["amount"] == 4900 and not p["replayed"] for p in paid.values())
    await worker.drain()
    assert await steps(share, "wechat") == (1, 4900)  # bob's order, to ann
    assert await steps(share, "link") == (1, 4900)  # cat's, to zed
    credited = await grt.redis.hgetall(ShareKeys(grt.keys).credited(ROOM))
    assert sorted(k.decode() for k in credited) == sorted([bob, cat["order"]])
    # the whole stream read again (a consumer group replayed from the start) credits nothing twice
    everything: list[Entry] = [(i.decode(), f) for i, f in await grt.redis.xrange(GroupKeys(grt.keys).stream(ROOM))]
    assert await credit_groups(grt, everything) == 0
    assert await steps(share, "wechat") == (1, 4900) and len(await credit_entries(grt)) == 2
    # the share outbox brings the credits to PostgreSQL, with the group and the payment instant
    await share_persister(grt, "p1").drain()
    rows = await db.fetch("SELECT order_id, user_id, referrer_id, channel, group_id, amount, paid_at "
                          "FROM share_credits ORDER BY user_id")
    assert [(r["order_id"], r["user_id"], r["referrer_id"], r["channel"], r["amount"]) for r in rows] == \
        [(bob, "bob", "ann", "wechat", 4900), (cat["order"], "cat", "zed", "link", 4900)]
    assert rows[0]["group_id"] == group  # bob's touch was through the group's link
    assert [int(r["paid_at"].timestamp() * 1000) for r in rows] == [paid["bob"]["paid_at"], paid["cat"]["paid_at"]]
    top = {t["user"]: t["gmv"] for t in (await share.funnel(ROOM))["top"]}
    assert top == {"ann": 4900, "zed": 4900}


async def test_the_window_is_judged_when_the_member_joined(gb: GroupBuyService, share: ShareService, make_deal,  # type: ignore[no-untyped-def]
                                                           grt: Runtime, clock: ManualClock) -> None:
    window_s = grt.settings.attribution_window_s
    deal = (await make_deal(units=20, size=3, price=1500, fill_s=600, lasts_ms=3 * window_s * 1000))["id"]
    eve = (await share.make_code(ROOM, "eve", "qq"))["code"]
    for user in ("dan", "fay"):
        assert isinstance(await share.visit(ROOM, user, eve), dict)  # both touched at T0
    clock.advance(window_s - 10)
    g1 = ok(await gb.open(ROOM, "l1", deal, "k"))["group"]
    g2 = ok(await gb.open(ROOM, "l2", deal, "k"))["group"]
    clock.advance(10 - 0.001)
    ok(await gb.join(ROOM, "dan", g1, "k"))  # T0 + window - 1 ms: the touch still holds
    clock.advance(0.001)
    ok(await gb.join(ROOM, "fay", g2, "k"))  # T0 + window: lapsed
    clock.advance(5)  # both groups complete after the window: the join instant decides
    assert ok(await gb.join(ROOM, "t1", g1, "k"))["status"] == "complete"
    assert ok(await gb.join(ROOM, "t2", g2, "k"))["status"] == "complete"
    clock.advance(5)  # and they pay later still
    for group, user in ((g1, "dan"), (g2, "fay")):
        ok(await gb.pay(ROOM, group, user))
    await crediter(grt, "c1").drain()
    assert await steps(share, "qq") == (1, 1500)
    assert [f[b"user"] for f in await credit_entries(grt)] == [b"dan"]


async def test_a_dissolved_group_credits_nobody(gb: GroupBuyService, share: ShareService, make_deal,  # type: ignore[no-untyped-def]
                                                grt: Runtime, clock: ManualClock, timer: GroupTimer) -> None:
    deal = (await make_deal(units=10, size=3, fill_s=60))["id"]
    group = ok(await gb.open(ROOM, "ann", deal, "k"))["group"]
    code = (await share.make_code(ROOM, "ann", "wechat", group))["code"]
    ok(await gb.join(ROOM, "bob", group, "k", share=code))
    clock.advance(61)
    await timer.run_once()
    assert (await gb.group(ROOM, group) or {})["status"] == "dissolved"
    await crediter(grt, "c1").drain()
    assert await steps(share, "wechat") == (0, 0) and await credit_entries(grt) == []


async def test_a_lapsed_order_credits_nobody(gb: GroupBuyService, share: ShareService, make_deal,  # type: ignore[no-untyped-def]
                                            grt: Runtime, clock: ManualClock, timer: GroupTimer) -> None:
    deal = (await make_deal(units=10, size=2, price=700))["id"]
    group = ok(await gb.open(ROOM, "ann", deal, "k"))["group"]
    code = (await share.make_code(ROOM, "ann", "qq", group))["code"]
    assert ok(await gb.join(ROOM, "bob", group, "k", share=code))["status"] == "complete"
    ok(await gb.pay(ROOM, group, "ann"))  # the leader pays; bob, the referred member, does not
    clock.advance(grt.settings.payment_window_s)
    await timer.run_once()
    assert [m["payment"] for m in (await gb.group(ROOM, group) or {})["members"]] == ["paid", "lapsed"]
    await crediter(grt, "c1").drain()
    assert await steps(share, "qq") == (0, 0) and await credit_entries(grt) == []


async def test_a_consumer_dying_mid_batch_loses_and_duplicates_no_credit(gb: GroupBuyService, share: ShareService,  # type: ignore[no-untyped-def]
                                                                          make_deal, grt: Runtime) -> None:
    groups = 24
    deal = (await make_deal(units=2 * groups, size=2, price=990))["id"]
    orders: dict[str, Any] = {}
    for i in range(groups):
        group = ok(await gb.open(ROOM, f"lead{i}", deal, "k"))["group"]
        code = (await share.make_code(ROOM, f"lead{i}", "poster", group))["code"]
        orders[f"m{i}"] = ok(await gb.join(ROOM, f"m{i}", group, "k", share=code))["order"]
        ok(await gb.pay(ROOM, group, f"m{i}"))
    stream = GroupKeys(grt.keys).stream(ROOM)
    await grt.redis.xgroup_create(stream, GROUP, id="0")
    # the victim reads every entry (joins, completions, payments), credits half the payments, then dies: no XACK
    read = await grt.redis.xreadgroup(GROUP, "victim", {stream: ">"}, count=10 * groups)
    batch: list[Entry] = [(i.decode(), f) for i, f in read[0][1]]
    payments = [e for e in batch if e[1][b"k"] == b"paid"]
    assert len(payments) == groups
    assert await credit_groups(grt, payments[: groups // 2]) == groups // 2
    assert (await grt.redis.xpending(stream, GROUP))["pending"] == len(batch)
    # a survivor takes the victim's entries over and finishes the job
    survivor = crediter(grt, "survivor", claim_idle_ms=0)
    await survivor.drain()
    assert (await grt.redis.xpending(stream, GROUP))["pending"] == 0
    credits = await credit_entries(grt)
    assert sorted(f[b"order"].decode() for f in credits) == sorted(orders.values())  # each once, none lost
    assert await steps(share, "poster") == (groups, groups * 990)
