"""Lottery draws on real Redis and PostgreSQL: dedup under concurrency, each entry condition, the draw."""

import asyncio
import hashlib

import pytest
from commercehelp import together

from livecore.core import draw as drawing
from livecore.core.outcome import Refusal, RefusedError, accepted
from livecore.features.lottery.service import ANNOUNCE_LEASE_MS, LotteryIn, LotteryService
from livecore.protocol.codec import event_decoder
from livecore.protocol.codes import ErrorCode
from livecore.protocol.events import LotteryEvent


@pytest.fixture
async def lot(crt):  # type: ignore[no-untyped-def]
    service = LotteryService(crt)
    yield service
    await service.close()


def lottery(**kw: object) -> LotteryIn:
    base: dict[str, object] = dict(prize="lipstick", winners=3, condition="watch", watch_s=60, duration_s=300)
    base.update(kw)
    return LotteryIn(**base)  # type: ignore[arg-type]


async def lottery_events(rt, room: str) -> list[LotteryEvent]:  # type: ignore[no-untyped-def]
    entries = await rt.redis.xrange(rt.keys.room_events(room))
    return [e for e in (event_decoder.decode(f[b"e"]) for _, f in entries) if isinstance(e, LotteryEvent)]


async def test_entries_are_deduplicated_under_concurrency(crt, lot) -> None:  # type: ignore[no-untyped-def]
    lt = (await lot.open("r1", lottery(), actor="host"))["id"]
    attempts = [lot.enter("r1", f"u{i % 120}", lt, 3600) for i in range(480)]  # each user 4 times
    results = await together(attempts)
    assert sum(1 for r in results if accepted(r)) == 120
    assert {r.code for r in results if not accepted(r)} == {"already"}
    assert await crt.redis.zcard(lot._entries_key("r1", lt)) == 120
    await lot.state.drain()
    assert (await lot.current("r1"))["entries"] == 120


async def test_watch_condition(lot, clock) -> None:  # type: ignore[no-untyped-def]
    lt = (await lot.open("r1", lottery(condition="watch", watch_s=60), actor="h"))["id"]
    refused = await lot.enter("r1", "u1", lt, 59.9)
    assert refused == Refusal(ErrorCode.NOT_ELIGIBLE, "to enter, watch the stream for 60 seconds")
    assert accepted(await lot.enter("r1", "u1", lt, 60))
    assert (await lot.enter("r1", "u1", lt, 600)).code == "already"


async def test_follow_condition(lot) -> None:  # type: ignore[no-untyped-def]
    lt = (await lot.open("r1", lottery(condition="follow"), actor="h"))["id"]
    assert (await lot.enter("r1", "fan", lt, 9999)).code == "not_eligible"
    await lot.on_follow("r1", "fan")
    await lot.on_follow("r2", "other")  # following another room's host does not count
    assert accepted(await lot.enter("r1", "fan", lt, 0))
    assert (await lot.enter("r1", "other", lt, 0)).code == "not_eligible"


async def test_purchase_condition_uses_the_buyers_of_the_session(lot, sales, make_spec) -> None:  # type: ignore[no-untyped-def]
    sale = (await sales.create("r1", make_spec(quantity=5), actor="h"))["id"]
    lt = (await lot.open("r1", lottery(condition="purchase"), actor="h"))["id"]
    assert (await lot.enter("r1", "shopper", lt, 0)).code == "not_eligible"
    assert accepted(await sales.buy("r1", "shopper", sale, "k1"))
    assert accepted(await lot.enter("r1", "shopper", lt, 0))
    assert (await lot.enter("r1", "browser", lt, 0)).code == "not_eligible"


async def test_keyword_condition_enters_by_comment(crt, lot) -> None:  # type: ignore[no-untyped-def]
    lt = (await lot.open("r1", lottery(condition="keyword", keyword="Lucky Bag"), actor="h"))["id"]
    refused = await lot.enter("r1", "u1", lt, 0)
    assert refused.code == "not_eligible" and "Lucky Bag" in refused.message
    await lot.on_chat("r1", "u1", "hello everyone")
    await lot.on_chat("r2", "u2", "lucky bag please")  # another room has no lottery
    assert await crt.redis.zcard(lot._entries_key("r1", lt)) == 0
    await lot.on_chat("r1", "u1", "I want the LUCKY BAG!")
    await lot.on_chat("r1", "u1", "lucky bag again")
    await lot.on_chat("r1", "u3", "lucky bag")
    members = {m.decode() for m in await crt.redis.zrange(lot._entries_key("r1", lt), 0, -1)}
    assert members == {"u1", "u3"}
    assert (await lot.enter("r1", "u1", lt, 0)).code == "already"


async def test_entry_window_edge_and_one_open_lottery_per_room(lot, clock) -> None:  # type: ignore[no-untyped-def]
    lt = (await lot.open("r1", lottery(duration_s=10), actor="h"))["id"]
    with pytest.raises(RefusedError) as err:
        await lot.open("r1", lottery(), actor="h")
    assert err.value.code == "busy"
    clock.advance(9.999)
    assert accepted(await lot.enter("r1", "early", lt, 60))
    clock.advance(0.001)  # entries are taken while now < ends_at
    assert (await lot.enter("r1", "late", lt, 60)).code == "ended"
    assert (await lot.enter("r1", "x", "ltnothere", 60)).code == "not_found"
    assert (await lot.enter("r2", "x", lt, 60)).code == "not_found"  # the lottery of another room


async def test_invalid_lotteries_are_refused(lot) -> None:  # type: ignore[no-untyped-def]
    for bad in (lottery(prize=""), lottery(winners=0), lottery(condition="dance"), lottery(condition="keyword"),
                lottery(watch_s=0), lottery(duration_s=0)):
        with pytest.raises(RefusedError) as err:
            await lot.open("r1", bad, actor="h")
        assert err.value.code == "invalid"


async def test_draw_reveals_a_seed_matching_the_announced_hash_and_persists(crt, lot) -> None:  # type: ignore[no-untyped-def]
    opened = await lot.open("r1", lottery(winners=3), actor="host")
    lt = opened["id"]
    await together(lot.enter("r1", f"viewer{i}", lt, 120) for i in range(40))
    # the timer and the host draw at once: one result, one announcement
    views = await asyncio.gather(lot.draw("r1", lt, actor="host"), lot.draw("r1", lt, actor="host"),
                                 lot.draw("r1", lt))
    assert all(v == views[0] for v in views)
    result = views[0]
    assert result["status"] == "drawn" and len(result["winners"]) == 3
    events = await lottery_events(crt, "r1")
    assert [e.phase for e in events] == ["opened", "drawn"]
    announced_hash = events[0].data["seed_hash"]
    assert hashlib.sha256(events[1].data["seed"].encode()).hexdigest() == announced_hash == opened["seed_hash"]
    entries = [f"viewer{i}" for i in range(40)]
    assert events[1].data["winners"] == drawing.draw(events[1].data["seed"], entries, 3) == result["winners"]
    row = await crt.db.fetchrow("SELECT status, entries_count, seed FROM lotteries WHERE id = $1", lt)
    assert (row["status"], row["entries_count"], row["seed"]) == ("drawn", 40, result["seed"])
    assert await crt.db.fetchval("SELECT count(*) FROM lottery_entries WHERE lottery_id = $1", lt) == 40
    winners = await crt.db.fetch("SELECT user_id FROM lottery_winners WHERE lottery_id = $1 ORDER BY rank", lt)
    assert [r["user_id"] for r in winners] == result["winners"]
    await lot.state.drain()
    assert (await lot.current("r1"))["winners"] == result["winners"]
    assert (await lot.enter("r1", "late", lt, 120)).code == "ended"
    # the room is free for the next lottery
    assert (await lot.open("r1", lottery(), actor="host"))["status"] == "open"


async def test_timer_draws_at_ends_at_and_verify_passes(crt, lot, clock) -> None:  # type: ignore[no-untyped-def]
    lt = (await lot.open("r1", lottery(duration_s=30, winners=10), actor="h"))["id"]
    await together(lot.enter("r1", f"v{i}", lt, 120) for i in range(4))
    clock.advance(29)
    assert await lot.draw_due() == []
    with pytest.raises(RefusedError) as err:
        await lot.draw("r1", lt, early=False)
    assert err.value.code == "not_ended"
    clock.advance(1)
    assert await lot.draw_due() == [lt]
    assert lot.drawn_by_timer == 1
    view = await lot.get("r1", lt)
    assert sorted(view["winners"]) == ["v0", "v1", "v2", "v3"]  # fewer entries than prizes: all win
    report = await lot.verify(lt)
    assert report["ok"], report["problems"]
    assert report["announcements_checked"] == ["drawn", "opened"]


async def test_cancel_hides_the_seed_and_frees_the_room(crt, lot) -> None:  # type: ignore[no-untyped-def]
    lt = (await lot.open("r1", lottery(), actor="h"))["id"]
    assert await lot.cancel("r1", lt, actor="h")
    assert not await lot.cancel("r1", lt, actor="h")
    with pytest.raises(RefusedError) as err:
        await lot.draw("r1", lt)
    assert err.value.code == "cancelled"
    assert await lot.current("r1") is None
    record = await lot.public_record(lt)
    assert record["status"] == "cancelled" and "seed" not in record
    assert not (await lot.verify(lt))["ok"]
    assert (await lot.open("r1", lottery(), actor="h"))["status"] == "open"


class DiesBeforeAnnouncing(LotteryService):
    """A drawer whose process stops right after the result is recorded, before the room is told."""

    async def _announce(self, room: str, lottery: str, member: str) -> None:
        raise RuntimeError("killed before announcing")


async def drawn_by_a_dying_host(crt, lot, drawer: type[LotteryService], winners: int) -> str:  # type: ignore[no-untyped-def]
    """Open a lottery, let a few viewers enter, and have ``drawer`` draw it early and die; its id."""
    lt = (await lot.open("r1", lottery(duration_s=300, winners=winners), actor="h"))["id"]
    await together(lot.enter("r1", f"v{i}", lt, 120) for i in range(winners + 3))
    dying = drawer(crt)
    with pytest.raises(RuntimeError):
        await dying.draw("r1", lt, actor="h")  # the host draws early; the process dies
    await dying.close()
    return str(lt)


async def test_a_drawer_dying_before_the_announcement_is_finished_by_the_timer(crt, lot, clock) -> None:  # type: ignore[no-untyped-def]
    lt = await drawn_by_a_dying_host(crt, lot, DiesBeforeAnnouncing, winners=2)
    recorded = await lot.get("r1", lt)
    assert recorded["status"] == "drawn" and len(recorded["winners"]) == 2
    assert [e.phase for e in await lottery_events(crt, "r1")] == ["opened"]
    again = await lot.draw("r1", lt, actor="h")  # the host retries: same result, not announced twice later
    assert again["winners"] == recorded["winners"]
    assert await lot.draw_due() == []  # within the lease the drawer may still be announcing
    clock.advance(ANNOUNCE_LEASE_MS / 1000)
    assert await lot.draw_due() == [lt]
    events = await lottery_events(crt, "r1")
    assert [e.phase for e in events] == ["opened", "drawn"]
    assert events[1].data["winners"] == recorded["winners"] and events[1].data["seed"] == recorded["seed"]
    clock.advance(600)
    assert await lot.draw_due() == []  # told once
    assert [e.phase for e in await lottery_events(crt, "r1")] == ["opened", "drawn"]
    report = await lot.verify(lt)
    assert report["ok"], report["problems"]


class DiesAfterTelling(LotteryService):
    """A drawer whose process stops right after the room was told, before the state and the timer were done."""

    async def _announce(self, room: str, lottery: str, member: str) -> None:
        assert await self._tell(room, lottery)
        raise RuntimeError("killed after telling the room")


async def test_a_drawer_dying_after_telling_the_room_is_never_told_twice(crt, lot, clock) -> None:  # type: ignore[no-untyped-def]
    lt = await drawn_by_a_dying_host(crt, lot, DiesAfterTelling, winners=1)
    assert [e.phase for e in await lottery_events(crt, "r1")] == ["opened", "drawn"]
    assert (await lot.current("r1") or {})["status"] == "open"  # the state was not updated yet
    member = f"r1:{lt}"
    await asyncio.gather(lot._announce("r1", lt, member), lot._announce("r1", lt, member))  # racing finishers
    assert not await lot._tell("r1", lt)
    clock.advance(ANNOUNCE_LEASE_MS / 1000)
    assert await lot.draw_due() == []  # the finishers stopped the timer
    assert [e.phase for e in await lottery_events(crt, "r1")] == ["opened", "drawn"]
    assert (await lot.current("r1") or {})["status"] == "drawn"
    assert (await lot.verify(lt))["ok"]


async def test_the_timer_finishes_an_announcement_cut_short_after_telling(crt, lot, clock) -> None:  # type: ignore[no-untyped-def]
    lt = await drawn_by_a_dying_host(crt, lot, DiesAfterTelling, winners=1)
    clock.advance(ANNOUNCE_LEASE_MS / 1000)
    assert await lot.draw_due() == [lt]  # finished: state and timer, no second event
    assert await lot.draw_due() == []
    assert [e.phase for e in await lottery_events(crt, "r1")] == ["opened", "drawn"]
    assert (await lot.current("r1") or {})["status"] == "drawn"


async def test_a_normal_draw_is_announced_once_and_leaves_the_timer(crt, lot, clock) -> None:  # type: ignore[no-untyped-def]
    lt = (await lot.open("r1", lottery(duration_s=300), actor="h"))["id"]
    await together(lot.enter("r1", f"v{i}", lt, 120) for i in range(4))
    await lot.draw("r1", lt, actor="h")
    clock.advance(900)
    assert await lot.draw_due() == []
    assert [e.phase for e in await lottery_events(crt, "r1")] == ["opened", "drawn"]
