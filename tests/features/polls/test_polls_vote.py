"""Votes decided by ``polls_vote.lua`` on real Redis, on a manual clock: the window to the millisecond, one vote
or one change per user, the follow and watch conditions at their edges, the options."""

from __future__ import annotations

import pytest

from conftest import M0
from livecore.clock import ManualClock
from livecore.core.outcome import Refusal, RefusedError
from livecore.features.polls.keys import PollKeys
from livecore.features.polls.model import PollIn
from livecore.features.polls.service import PollService
from livecore.protocol.codes import ErrorCode


def poll_in(**kw: object) -> PollIn:
    base: dict[str, object] = {"question": "今晚先讲哪件? Which first?", "options": ["外套", "裙子", "包"],
                               "duration_s": 60}
    base.update(kw)
    return PollIn(**base)  # type: ignore[arg-type]


def code(answer: object) -> str:
    assert isinstance(answer, Refusal), answer
    return answer.code.value


async def test_the_window_is_open_from_the_opening_to_the_deadline_exclusive(polls: PollService,
                                                                             clock: ManualClock) -> None:
    p = (await polls.open("r1", poll_in(), "host"))["id"]
    assert (await polls.get("r1", p))["ends_at"] == M0 + 60_000  # type: ignore[index]
    assert (await polls.vote("r1", "first", p, ["a"], 0))["ok"]  # type: ignore[index]  # at the opening ms
    clock.advance(59.999)  # the last millisecond of the window
    assert (await polls.vote("r1", "last", p, ["b"], 0))["ok"]  # type: ignore[index]
    clock.advance(0.001)  # ends_at itself is outside
    assert code(await polls.vote("r1", "late", p, ["b"], 0)) == "ended"
    view = await polls.get("r1", p)
    assert view is not None and [o["votes"] for o in view["options"]] == [1, 1, 0] and view["voters"] == 2


async def test_one_vote_per_user_when_votes_cannot_change(polls: PollService) -> None:
    p = (await polls.open("r1", poll_in(), "host"))["id"]
    assert (await polls.vote("r1", "u1", p, ["a"], 0))["rev"] == 0  # type: ignore[index]
    assert code(await polls.vote("r1", "u1", p, ["b"], 0)) == "already"
    assert code(await polls.vote("r1", "u1", p, ["a"], 0)) == "already"
    view = await polls.get("r1", p)
    assert view is not None and [o["votes"] for o in view["options"]] == [1, 0, 0]


async def test_a_changeable_vote_changes_once_and_moves_the_tally(polls: PollService) -> None:
    p = (await polls.open("r1", poll_in(changeable=True), "host"))["id"]
    await polls.vote("r1", "u1", p, ["a"], 0)
    same = await polls.vote("r1", "u1", p, ["a"], 0)  # the same vote again spends no change
    assert not isinstance(same, Refusal) and same["repeated"] and not same["changed"]
    changed = await polls.vote("r1", "u1", p, ["c"], 0)
    assert not isinstance(changed, Refusal) and changed["changed"] and changed["rev"] == 1
    assert code(await polls.vote("r1", "u1", p, ["b"], 0)) == "already"  # one change only
    view = await polls.get("r1", p)
    assert view is not None and [o["votes"] for o in view["options"]] == [0, 0, 1] and view["voters"] == 1


async def test_options_are_checked(polls: PollService) -> None:
    single = (await polls.open("r1", poll_in(), "host"))["id"]
    for bad in (["a", "b"], ["z"], ["a", "a"], ["g"]):
        assert code(await polls.vote("r1", "u1", single, bad, 0)) == "invalid"
    multi = (await polls.open("r2", poll_in(mode="multiple"), "host"))["id"]
    assert code(await polls.vote("r2", "u1", multi, ["a", "a"], 0)) == "invalid"
    ok = await polls.vote("r2", "u1", multi, ["c", "a"], 0)
    assert not isinstance(ok, Refusal) and ok["options"] == ["a", "c"]
    view = await polls.get("r2", multi)
    assert view is not None and [o["votes"] for o in view["options"]] == [1, 0, 1] and view["voters"] == 1
    assert code(await polls.vote("r1", "u1", "nope", ["a"], 0)) == "not_found"


async def test_the_follow_condition_reads_the_rooms_followers(polls: PollService, prt) -> None:  # type: ignore[no-untyped-def]
    p = (await polls.open("r1", poll_in(condition="follow"), "host"))["id"]
    refused = await polls.vote("r1", "fan", p, ["a"], 3600)
    assert code(refused) == "not_eligible" and "follow" in refused.message  # type: ignore[union-attr]
    from livecore.features.polls.part import PollsPart

    part = PollsPart(prt)
    try:
        await part.on_follow("r1", "fan")  # what the gateway calls when the viewer sends ``follow``
    finally:
        await part.close()
    assert await prt.redis.sismember(PollKeys(prt.keys).followers("r1"), "fan")
    assert (await polls.vote("r1", "fan", p, ["a"], 0))["ok"]  # type: ignore[index]
    assert code(await polls.vote("r1", "fan", p, ["a"], 0)) == "already"  # already wins over the condition


async def test_the_watch_condition_to_the_millisecond(polls: PollService) -> None:
    p = (await polls.open("r1", poll_in(condition="watch", watch_s=30), "host"))["id"]
    refused = await polls.vote("r1", "u1", p, ["a"], 29.999)
    assert code(refused) == "not_eligible" and "30 seconds" in refused.message  # type: ignore[union-attr]
    assert (await polls.vote("r1", "u1", p, ["a"], 30.0))["ok"]  # type: ignore[index]


async def test_one_open_poll_per_room(polls: PollService) -> None:
    first = (await polls.open("r1", poll_in(), "host"))["id"]
    with pytest.raises(RefusedError) as refused:
        await polls.open("r1", poll_in(), "host")
    assert refused.value.code is ErrorCode.BUSY
    assert polls.rt.db is not None
    assert await polls.rt.db.fetchval("SELECT count(*) FROM polls WHERE room_id = 'r1'") == 1  # rolled back
    await polls.close_poll("r1", first, actor="host")
    await polls.open("r1", poll_in(), "host")
