"""Paying a group order (拼团支付) on real Redis and PostgreSQL: a complete group's members each pay once within the
payment window that starts at the completion (to the millisecond), a retry answers the first payment without a second
charge, an unpaid member lapses and their unit goes back to the deal exactly once, a payment racing the lapse ends
every member paid or lapsed and never both, a paid order is a ``paid`` interaction (GMV, rankings), and PostgreSQL
agrees after the drain."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field

from gbhelp import PRODUCT, ROOM, counters, deal_hash, members_pg, ok

from livecore.clock import ManualClock
from livecore.core.outcome import Refusal
from livecore.features.groupbuy.keys import GroupKeys
from livecore.features.groupbuy.persist import persist_groups
from livecore.features.groupbuy.reconcile import reconcile
from livecore.features.groupbuy.service import GroupBuyService
from livecore.features.groupbuy.settle import GroupTimer, lapse
from livecore.interactions.model import decoder
from livecore.protocol.codes import ErrorCode
from livecore.runtime import Runtime
from livecore.workers.outbox import RoomOutbox


@dataclass
class CountingProvider:
    """Charges at once, like the simulated one, and counts the charges."""

    name: str = "counting"
    charges: list[tuple[str, int]] = field(default_factory=list)

    async def charge(self, order_id: str, amount: int) -> str:
        self.charges.append((order_id, amount))
        return f"ref-{len(self.charges)}"


def at(clock: ManualClock, gb: GroupBuyService, millis: int) -> None:
    """Move the manual clock to the instant ``millis`` (epoch ms)."""
    clock.advance((millis - gb.now_ms()) / 1000)
    assert gb.now_ms() == millis


def refused(answer: object, code: ErrorCode) -> None:
    assert isinstance(answer, Refusal) and answer.code is code, answer


async def test_members_pay_once_and_a_retry_charges_nothing(grt: Runtime, make_deal, worker: RoomOutbox) -> None:  # type: ignore[no-untyped-def]
    provider = CountingProvider()
    gb = GroupBuyService(grt, provider=provider)
    try:
        deal = (await make_deal(units=10, size=2, price=3900))["id"]
        opened = ok(await gb.open(ROOM, "ann", deal, "k"))
        group = opened["group"]
        refused(await gb.pay(ROOM, group, "ann"), ErrorCode.GROUP_CLOSED)  # still open: nothing to pay yet
        bob = ok(await gb.join(ROOM, "bob", group, "k"))
        assert bob["status"] == "complete"
        refused(await gb.pay(ROOM, group, "cat"), ErrorCode.NOT_FOUND)  # not a member
        first = ok(await gb.pay(ROOM, group, "bob"))
        again = ok(await gb.pay(ROOM, group, "bob"))
        assert (first["order"], first["amount"], first["replayed"]) == (bob["order"], 3900, False)
        assert again == {**first, "replayed": True}
        assert provider.charges == [(bob["order"], 3900)]  # the retry was not charged
        view = ok(await gb.group(ROOM, group))
        assert [m["payment"] for m in view["members"]] == ["due", "paid"]
        assert view["pay_by"] == view["settled_at"] + grt.settings.payment_window_s * 1000
        assert await counters(grt, deal) == {"left": 8, "reserved": 0, "confirmed": 2, "paid": 1, "lapsed": 0}
        await worker.drain()
        assert await members_pg(grt, deal) == {opened["order"]: "confirmed", bob["order"]: "paid"}
        assert grt.db is not None
        row = await grt.db.fetchrow("SELECT payment_ref, provider, paid_at FROM group_members WHERE order_id = $1",
                                    bob["order"])
        assert (row["payment_ref"], row["provider"]) == ("ref-1", "counting")
        assert int(row["paid_at"].timestamp() * 1000) == first["paid_at"]
        report = await reconcile(grt, deal)
        assert report.ok, report.text()
    finally:
        await gb.close()


async def test_the_payment_window_to_the_millisecond(grt: Runtime, gb: GroupBuyService, make_deal, clock: ManualClock,  # type: ignore[no-untyped-def]
                                                     timer: GroupTimer, worker: RoomOutbox) -> None:
    deal = (await make_deal(units=4, size=2, price=1000))["id"]
    group = ok(await gb.open(ROOM, "ann", deal, "k"))["group"]
    ok(await gb.join(ROOM, "bob", group, "k"))
    pay_by = ok(await gb.group(ROOM, group))["pay_by"]
    at(clock, gb, pay_by - 1)
    assert await timer.run_once() == 0  # not due yet
    ok(await gb.pay(ROOM, group, "ann"))  # 1 ms before the window closes: paid
    at(clock, gb, pay_by)
    refused(await gb.pay(ROOM, group, "bob"), ErrorCode.EXPIRED)  # at pay_by: closed, also before the timer ran
    assert await timer.run_once() == 1
    assert timer.lapsed == 1
    refused(await gb.pay(ROOM, group, "bob"), ErrorCode.EXPIRED)
    assert ok(await gb.pay(ROOM, group, "ann"))["replayed"] is True  # the paid member keeps their order
    assert [m["payment"] for m in ok(await gb.group(ROOM, group))["members"]] == ["paid", "lapsed"]
    # bob's unit is back in the deal and bob's allowance with it: bob may open a group again
    assert await counters(grt, deal) == {"left": 3, "reserved": 0, "confirmed": 1, "paid": 1, "lapsed": 1}
    again = ok(await gb.open(ROOM, "bob", deal, "k2"))
    assert again["left"] == 2
    assert await lapse(grt, GroupKeys(grt.keys), ROOM, group, gb.now_ms()) == 0  # a second lapse changes nothing
    await worker.drain()
    statuses = await members_pg(grt, deal)
    assert sorted(statuses.values()) == ["lapsed", "paid", "reserved"]
    h = await deal_hash(grt, deal)
    assert h["units"] == h["left"] + h["reserved"] + h["confirmed"]
    report = await reconcile(grt, deal)
    assert report.ok, report.text()


async def test_a_payment_racing_the_lapse_ends_each_member_once(grt: Runtime, gb: GroupBuyService, make_deal,  # type: ignore[no-untyped-def]
                                                                 clock: ManualClock, worker: RoomOutbox) -> None:
    """The paying process's clock is 1 ms behind the timer's, so both may act at the window's edge: Redis decides."""
    groups = 120
    payer = gb
    deal = (await make_deal(units=2 * groups, size=2, price=500))["id"]
    made: list[str] = []
    for i in range(groups):
        group = ok(await payer.open(ROOM, f"a{i}", deal, "k"))["group"]
        ok(await payer.join(ROOM, f"b{i}", group, "k"))
        made.append(group)
    pay_by = max([ok(await payer.group(ROOM, g))["pay_by"] for g in made])
    at(clock, payer, pay_by)  # the timer's clock: every window has closed

    async def pay_late(group: str, user: str) -> str:
        res = await grt.scripts.call(
            "groupbuy_pay", keys=[GroupKeys(grt.keys).group(ROOM, group), GroupKeys(grt.keys).deal(ROOM, deal),
                                  GroupKeys(grt.keys).pay_due(ROOM), GroupKeys(grt.keys).stream(ROOM),
                                  grt.keys.interactions(ROOM), grt.keys.room_state(ROOM)],
            args=[group, user, pay_by - 1, "sim", f"ref-{user}", 100_000, ROOM, 100_000])  # 1 ms early
        return res[0].decode() if res[0] == b"ok" else res[1].decode()

    keys = GroupKeys(grt.keys)
    # for each group: its leader pays, the timer lapses it, its second member pays, all at once (30 in flight:
    # the cluster client's connection pool per node is bounded)
    gate = asyncio.Semaphore(30)

    async def gated(call: Awaitable[str | int]) -> str | int:
        async with gate:
            return await call

    calls = [gated(c) for i, g in enumerate(made)
             for c in (pay_late(g, f"a{i}"), lapse(grt, keys, ROOM, g, pay_by), pay_late(g, f"b{i}"))]
    outcomes = await asyncio.gather(*calls)
    answers = [o for o in outcomes if isinstance(o, str)]
    paid, expired = answers.count("ok"), answers.count("expired")
    assert paid + expired == 2 * groups, answers
    assert paid > 0 and expired > 0  # the race went both ways
    timer = GroupTimer(grt, payer)
    while await timer.run_once():
        pass
    views = [ok(await payer.group(ROOM, g)) for g in made]
    payments = [m["payment"] for v in views for m in v["members"]]
    assert payments.count("paid") == paid and payments.count("lapsed") == expired  # each member once, one way
    assert await counters(grt, deal) == {"left": expired, "reserved": 0, "confirmed": paid, "paid": paid,
                                         "lapsed": expired}
    await worker.drain()
    statuses = await members_pg(grt, deal)
    assert sorted(statuses.values()) == sorted(payments)
    report = await reconcile(grt, deal)
    assert report.ok, report.text()
    await timer.drain()


async def test_a_paid_group_order_counts_in_gmv(grt: Runtime, gb: GroupBuyService, make_deal) -> None:  # type: ignore[no-untyped-def]
    deal = (await make_deal(units=4, size=2, price=2500))["id"]
    group = ok(await gb.open(ROOM, "ann", deal, "k"))["group"]
    ok(await gb.join(ROOM, "bob", group, "k"))
    paid = ok(await gb.pay(ROOM, group, "bob"))
    entries = await grt.redis.xrange(grt.keys.interactions(ROOM))
    seen = [decoder.decode(f[b"i"]) for _, f in entries]
    mine = [i for i in seen if i.kind == "paid"]
    assert len(mine) == 1
    assert (mine[0].id, mine[0].user, mine[0].value, mine[0].product, mine[0].count) == \
        (f"p:{paid['order']}", "bob", 2500, PRODUCT, 1)


async def test_replayed_and_reordered_entries_end_every_member_where_redis_did(  # type: ignore[no-untyped-def]
        grt: Runtime, gb: GroupBuyService, make_deal, clock: ManualClock, timer: GroupTimer) -> None:
    """A batch reclaimed from a dead consumer can come after newer entries: paid / lapse before complete, twice."""
    deal = (await make_deal(units=6, size=3, price=800))["id"]
    group = ok(await gb.open(ROOM, "ann", deal, "k"))["group"]
    for user in ("bob", "cat"):
        ok(await gb.join(ROOM, group=group, user=user, key="k"))
    ok(await gb.pay(ROOM, group, "cat"))
    clock.advance(grt.settings.payment_window_s)
    await timer.run_once()
    entries = [(i.decode(), f) for i, f in await grt.redis.xrange(GroupKeys(grt.keys).stream(ROOM))]
    assert [f[b"k"] for _, f in entries] == [b"join", b"join", b"join", b"complete", b"paid", b"lapse"]
    assert grt.db is not None
    async with grt.db.acquire() as conn:
        await persist_groups(conn, entries[::-1])  # newest first
        await persist_groups(conn, entries)  # and all of it again
    statuses = {r["user_id"]: (r["status"], r["seq"]) for r in await grt.db.fetch(
        "SELECT user_id, status, seq FROM group_members WHERE group_id = $1", group)}
    assert statuses == {"ann": ("lapsed", 1), "bob": ("lapsed", 2), "cat": ("paid", 3)}
    assert await grt.db.fetchval("SELECT status FROM buy_groups WHERE id = $1", group) == "complete"
    report = await reconcile(grt, deal)
    assert report.ok, report.text()
