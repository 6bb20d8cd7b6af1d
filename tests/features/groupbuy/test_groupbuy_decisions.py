"""The decisions of group-buy on real Redis: opening, joining, the race for the last place, the race between the
last join and the deadline, units across groups, retries."""

from __future__ import annotations

import asyncio

from gbhelp import ROOM, deal_hash, ok

from livecore.clock import ManualClock
from livecore.core.outcome import Refusal
from livecore.features.groupbuy.keys import GroupKeys
from livecore.features.groupbuy.service import KEEP_S, GroupBuyService
from livecore.features.groupbuy.settle import GroupTimer, expire
from livecore.protocol.codes import ErrorCode


async def test_open_join_complete(gb: GroupBuyService, make_deal, grt) -> None:  # type: ignore[no-untyped-def]
    deal = (await make_deal(units=10, size=3))["id"]
    a = ok(await gb.open(ROOM, "ua", deal, "k1"))
    assert (a["seq"], a["need"], a["status"], a["left"]) == (1, 2, "open", 9)
    b = ok(await gb.join(ROOM, "ub", a["group"], "k1"))
    assert (b["seq"], b["need"], b["status"]) == (2, 1, "open")
    again = await gb.join(ROOM, "ub", a["group"], "k2")
    assert isinstance(again, Refusal) and again.code is ErrorCode.ALREADY
    c = ok(await gb.join(ROOM, "uc", a["group"], "k1"))
    assert (c["seq"], c["need"], c["status"]) == (3, 0, "complete")
    late = await gb.join(ROOM, "ud", a["group"], "k1")
    assert isinstance(late, Refusal) and late.code is ErrorCode.GROUP_CLOSED
    counts = await deal_hash(grt, deal)
    assert counts == {"units": 10, "left": 7, "reserved": 0, "confirmed": 3, "released": 0, "opened": 1,
                      "completed": 1, "dissolved": 0}
    view = await gb.group(ROOM, a["group"])
    assert view is not None and view["status"] == "complete" and [m["user"] for m in view["members"]] == \
        ["ua", "ub", "uc"]
    # the room was told once (成团), and its timer is gone
    events = await grt.redis.xrange(grt.keys.room_events(ROOM))
    assert sum(b'"type":"group"' in e[1][b"e"] and b'"completed"' in e[1][b"e"] for e in events) == 1
    assert await grt.redis.zcard(GroupKeys(grt.keys).timers(ROOM)) == 0


async def test_two_users_race_for_the_last_place(gb: GroupBuyService, make_deal, grt) -> None:  # type: ignore[no-untyped-def]
    deal = (await make_deal(units=50, size=3))["id"]
    for round_ in range(10):
        g = ok(await gb.open(ROOM, f"lead{round_}", deal, "k"))["group"]
        ok(await gb.join(ROOM, f"second{round_}", g, "k"))
        first, second = await asyncio.gather(gb.join(ROOM, f"x{round_}", g, "k"), gb.join(ROOM, f"y{round_}", g, "k"))
        winners = [r for r in (first, second) if isinstance(r, dict)]
        losers = [r for r in (first, second) if isinstance(r, Refusal)]
        assert len(winners) == 1 and winners[0]["status"] == "complete"
        assert len(losers) == 1 and losers[0].code is ErrorCode.GROUP_CLOSED
        view = await gb.group(ROOM, g)
        assert view is not None and view["n"] == 3
    counts = await deal_hash(grt, deal)
    assert counts["confirmed"] == 30 and counts["left"] == 20 and counts["completed"] == 10


async def test_last_join_racing_the_deadline_settles_once(gb: GroupBuyService, timer: GroupTimer, make_deal,  # type: ignore[no-untyped-def]
                                                           grt, clock: ManualClock, worker) -> None:
    deal = (await make_deal(units=200, size=2, fill_s=60))["id"]
    groups = [ok(await gb.open(ROOM, f"lead{i}", deal, "k"))["group"] for i in range(40)]
    clock.advance(59.999)  # one millisecond before every deadline
    keys = GroupKeys(grt.keys)

    async def late_join(i: int, g: str) -> object:
        return await gb.join(ROOM, f"late{i}", g, "k")

    async def expire_at_deadline(g: str) -> str:
        return await expire(grt, keys, ROOM, g, gb.now_ms() + 1)

    # interleaved: for half the groups the expiry is sent first, for the other half the last join
    calls = []
    for i, g in enumerate(groups):
        pair = [late_join(i, g), expire_at_deadline(g)]
        calls += pair if i % 2 else pair[::-1]
    results = await asyncio.gather(*calls)
    joins = [results[2 * i + (0 if i % 2 else 1)] for i in range(40)]
    expiries = [results[2 * i + (1 if i % 2 else 0)] for i in range(40)]
    for g, j, e in zip(groups, joins, expiries, strict=True):
        completed = isinstance(j, dict) and j["status"] == "complete"
        dissolved = e == "dissolved"
        assert completed != dissolved, (g, j, e)  # exactly one of them settled the group
        view = await gb.group(ROOM, g)
        assert view is not None and view["status"] == ("complete" if completed else "dissolved")
    settled = [e == "dissolved" for e in expiries]
    assert any(settled) and not all(settled)  # both outcomes happened
    clock.advance(30)
    await timer.run_once()
    told = await _group_events(grt)
    assert set(told) == set(groups)
    for g, e in zip(groups, expiries, strict=True):
        assert told[g] == (["dissolved"] if e == "dissolved" else ["completed"])  # told once, the way it settled
    counts = await deal_hash(grt, deal)
    assert counts["reserved"] == 0
    assert counts["units"] == counts["left"] + counts["reserved"] + counts["confirmed"]
    assert counts["completed"] + counts["dissolved"] == 40
    await worker.drain()
    assert grt.db is not None
    rows = await grt.db.fetch("SELECT group_id, status FROM group_members WHERE deal_id = $1", deal)
    by_group: dict[str, set[str]] = {}
    for r in rows:
        by_group.setdefault(r["group_id"], set()).add(r["status"])
    assert set(by_group) == set(groups)
    for statuses in by_group.values():
        assert statuses in ({"confirmed"}, {"released"})  # every member settled, the same way, never both
    assert counts["released"] == sum(1 for r in rows if r["status"] == "released")
    assert counts["confirmed"] == sum(1 for r in rows if r["status"] == "confirmed")


async def test_units_never_oversold_across_groups(gb: GroupBuyService, make_deal, grt) -> None:  # type: ignore[no-untyped-def]
    deal = (await make_deal(units=7, size=2, per_user=5))["id"]
    opened = await asyncio.gather(*(gb.open(ROOM, f"o{i}", deal, "k") for i in range(5)))
    groups = [r["group"] for r in opened if isinstance(r, dict)]
    assert len(groups) == 5
    joins = await asyncio.gather(*(gb.join(ROOM, f"j{i}-{g}", g, "k") for g in groups for i in range(3)))
    won = [r for r in joins if isinstance(r, dict)]
    assert len(won) == 2  # 5 opened + 2 joined = 7 units; everything else refused
    assert {r.code for r in joins if isinstance(r, Refusal)} <= {ErrorCode.SOLD_OUT, ErrorCode.GROUP_CLOSED}
    counts = await deal_hash(grt, deal)
    assert counts["left"] == 0 and counts["reserved"] + counts["confirmed"] == 7
    refused = await gb.open(ROOM, "late", deal, "k")
    assert isinstance(refused, Refusal) and refused.code is ErrorCode.SOLD_OUT


async def test_retried_join_changes_nothing(gb: GroupBuyService, make_deal, grt) -> None:  # type: ignore[no-untyped-def]
    deal = (await make_deal(units=10, size=3))["id"]
    first_open = ok(await gb.open(ROOM, "ua", deal, "open-1"))
    again_open = ok(await gb.open(ROOM, "ua", deal, "open-1"))
    assert again_open["replayed"] and again_open["group"] == first_open["group"]
    g = first_open["group"]
    first = ok(await gb.join(ROOM, "ub", g, "join-1"))
    before = await deal_hash(grt, deal)
    stream_len = await grt.redis.xlen(GroupKeys(grt.keys).stream(ROOM))
    retries = await asyncio.gather(*(gb.join(ROOM, "ub", g, "join-1") for _ in range(5)))
    for r in retries:
        r = ok(r)
        assert r["replayed"] and r["order"] == first["order"] and r["seq"] == 2
    assert await deal_hash(grt, deal) == before
    assert await grt.redis.xlen(GroupKeys(grt.keys).stream(ROOM)) == stream_len


async def test_per_user_limit_and_window(gb: GroupBuyService, make_deal, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    deal = (await make_deal(units=10, size=2, per_user=1, lasts_ms=120_000))["id"]
    g = ok(await gb.open(ROOM, "ua", deal, "k1"))["group"]
    second = await gb.open(ROOM, "ua", deal, "k2")
    assert isinstance(second, Refusal) and second.code is ErrorCode.LIMIT_REACHED
    other = ok(await gb.open(ROOM, "ub", deal, "k1"))["group"]
    cross = await gb.join(ROOM, "ua", other, "k3")
    assert isinstance(cross, Refusal) and cross.code is ErrorCode.LIMIT_REACHED
    view = await gb.group(ROOM, g)
    assert view is not None and view["deadline"] == (1_800_000_000_000 + 120_000)  # capped by the deal's end
    clock.advance(120)
    ended = await gb.open(ROOM, "uc", deal, "k1")
    assert isinstance(ended, Refusal) and ended.code is ErrorCode.ENDED


async def _group_events(grt) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    import msgspec

    told: dict[str, list[str]] = {}
    for _, fields in await grt.redis.xrange(grt.keys.room_events(ROOM)):
        event = msgspec.json.decode(fields[b"e"])
        if event.get("type") == "group":
            told.setdefault(event["group"], []).append(event["phase"])
    return told


async def test_every_settled_group_is_told_once(gb: GroupBuyService, timer: GroupTimer, make_deal, grt,  # type: ignore[no-untyped-def]
                                                 clock: ManualClock) -> None:
    deal = (await make_deal(units=20, size=2, fill_s=60))["id"]
    full = ok(await gb.open(ROOM, "a", deal, "k"))["group"]
    ok(await gb.join(ROOM, "b", full, "k"))
    lonely = ok(await gb.open(ROOM, "c", deal, "k"))["group"]
    # a joiner that completes a group and dies before telling the room: the script ran, nobody announced
    keys = GroupKeys(grt.keys)
    orphan = ok(await gb.open(ROOM, "d", deal, "k"))["group"]
    res = await grt.scripts.call(
        "groupbuy_join",
        keys=[keys.deal(ROOM, deal), keys.users(ROOM, deal), keys.open_groups(ROOM, deal), keys.group(ROOM, orphan),
              keys.idem(ROOM, deal, "e", "k"), keys.timers(ROOM), keys.stream(ROOM), keys.pay_due(ROOM)],
        args=["e", "k", gb.now_ms(), orphan, f"{ROOM}.0000000000000dead", 86400, 1000, 10_000, 900_000])
    assert res[8] == b"complete"
    assert await timer.run_once() == 0  # nothing due yet: the lease and the deadline are ahead
    clock.advance(11)  # past the orphan's announcement lease
    await timer.run_once()
    told = await _group_events(grt)
    assert told == {full: ["completed"], orphan: ["completed"]}
    clock.advance(60)  # past the lonely group's deadline
    await timer.run_once()
    await timer.run_once()
    assert await timer.run_once() == 0
    told = await _group_events(grt)
    assert told == {full: ["completed"], orphan: ["completed"], lonely: ["dissolved"]}
    assert await grt.redis.zcard(keys.timers(ROOM)) == 0
    await timer.drain()
    await gb.state.drain()  # the opens' and joins' own flushes (each publisher waits out its interval)
    state = await grt.bus.state(ROOM)
    view = state[f"groupbuy:{deal}"]
    assert (view["completed"], view["dissolved"], view["open_count"], view["left"]) == (2, 1, 0, 16)


async def test_a_deals_keys_expire_a_week_after_its_end(gb: GroupBuyService, make_deal, grt) -> None:  # type: ignore[no-untyped-def]
    """Nothing of a deal stays in Redis for ever: its hash, holds, open groups, group set, groups and idempotency
    records all expire KEEP_S after the deal's end (the manual clock stands at the deal's creation)."""
    deal = (await make_deal(units=10, size=2, lasts_ms=3_600_000))["id"]
    group = ok(await gb.open(ROOM, "ua", deal, "k1"))["group"]
    keys = GroupKeys(grt.keys)
    expected = 3600 + KEEP_S
    for key in (keys.deal(ROOM, deal), keys.users(ROOM, deal), keys.open_groups(ROOM, deal),
                keys.groups(ROOM, deal), keys.group(ROOM, group), keys.idem(ROOM, deal, "ua", "k1")):
        ttl = await grt.redis.ttl(key)
        assert expected - 5 <= ttl <= expected, (key, ttl)
