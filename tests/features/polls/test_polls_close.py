"""Closing a poll on real Redis and PostgreSQL: the result told exactly once (host, retries, races, the timer),
a quiz's coupon granted exactly once to each correct voter, its draw recomputable, and everything persisted
through the polls outbox exactly once, also when the worker process is killed mid-batch."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import M0
from livecore.clock import ManualClock
from livecore.core import draw as drawing
from livecore.core.outcome import RefusedError
from livecore.features.coupons.service import CouponBatchIn, CouponService
from livecore.features.polls.events import PollEvent
from livecore.features.polls.keys import PollKeys
from livecore.features.polls.model import PollIn
from livecore.features.polls.service import PollService
from livecore.features.polls.worker import persister
from livecore.protocol.codec import event_decoder
from livecore.protocol.codes import ErrorCode
from workerkill import kill_midway

ROOT = Path(__file__).resolve().parents[3]


async def poll_events(rt: Any, room: str) -> list[PollEvent]:
    entries = await rt.redis.xrange(rt.keys.room_events(room))
    return [e for e in (event_decoder.decode(f[b"e"]) for _, f in entries) if isinstance(e, PollEvent)]


async def test_the_result_is_told_once_however_often_the_close_runs(polls: PollService, prt, clock) -> None:  # type: ignore[no-untyped-def]
    p = (await polls.open("r1", PollIn(question="q", options=["x", "y"], duration_s=30), "host"))["id"]
    for i in range(7):
        await polls.vote("r1", f"u{i}", p, ["a" if i < 4 else "b"], 0)
    other = PollService(prt)  # a second API process closing at the same moment
    try:
        views = await asyncio.gather(polls.close_poll("r1", p, "host"), other.close_poll("r1", p, "host"),
                                     polls.close_poll("r1", p, "host"))
    finally:
        await other.close()
    assert {v["result"]["voters"] for v in views} == {7}
    assert views[0]["result"]["tallies"] == {"a": 4, "b": 3}
    clock.advance(60)
    await polls.close_due()  # the timer at the deadline finds it closed: tells nothing again
    await polls.close_poll("r1", p, "host")
    phases = [e.phase for e in await poll_events(prt, "r1")]
    assert phases == ["opened", "closed"]
    assert (await polls.vote("r1", "late", p, ["a"], 0)).code is ErrorCode.ENDED  # type: ignore[union-attr]
    state = await prt.bus.state("r1")
    assert state["poll"]["status"] == "closed" and [o["votes"] for o in state["poll"]["options"]] == [4, 3]
    assert await prt.redis.xlen(PollKeys(prt.keys).stream("r1")) == 8  # seven votes and one close


async def test_the_timer_closes_at_the_deadline_not_a_millisecond_before(polls: PollService, prt,
                                                                          clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    p = (await polls.open("r1", PollIn(question="q", options=["x", "y"], duration_s=10), "host"))["id"]
    clock.advance(9.999)
    assert await polls.close_due() == []
    with pytest.raises(RefusedError) as early:
        await polls.close_poll("r1", p, early=False)
    assert early.value.code is ErrorCode.NOT_ENDED
    clock.advance(0.001)
    assert await polls.close_due() == [p]
    view = await polls.get("r1", p)
    assert view is not None and view["status"] == "closed" and view["closed_at"] == M0 + 10_000
    assert await polls.close_due() == []  # done: out of the timer's set


async def test_a_quiz_grants_its_coupon_once_per_correct_voter_under_raced_retried_closes(
        polls: PollService, prt) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RefusedError) as unknown:
        await polls.open("r1", PollIn(question="q", options=["1", "2"], correct=1, reward="coupon",
                                      coupon_batch="cb000000000000"), "host")
    assert unknown.value.code is ErrorCode.NOT_FOUND
    coupons = CouponService(prt)
    try:
        batch = (await coupons.create_batch("r1", CouponBatchIn(kind="fixed", amount=500, total=100, per_user=3,
                                                                duration_s=3600, valid_for_s=86400), "host"))["id"]
        quiz = await polls.open("r1", PollIn(question="1+1?", options=["1", "2", "3"], correct=1, reward="coupon",
                                             coupon_batch=batch, changeable=True), "host")
        assert "correct" not in quiz  # the answer is not shown while the quiz is open
        p = quiz["id"]
        right = [f"r{i}" for i in range(12)]
        for u in right:
            await polls.vote("r1", u, p, ["b"], 0)
        for i in range(5):
            await polls.vote("r1", f"w{i}", p, ["a"], 0)
        await polls.vote("r1", "switcher", p, ["b"], 0)
        await polls.vote("r1", "switcher", p, ["c"], 0)  # right first, wrong at last: not rewarded
        await polls.vote("r1", "late-right", p, ["a"], 0)
        await polls.vote("r1", "late-right", p, ["b"], 0)
        right.append("late-right")
        racers = [PollService(prt) for _ in range(3)]
        try:
            views = await asyncio.gather(*(s.close_poll("r1", p, "host") for s in racers),
                                         return_exceptions=True)
            assert not [v for v in views if isinstance(v, BaseException)], views
            await prt.redis.hdel(PollKeys(prt.keys).poll("r1", p), "rewarded")  # as if a closer died mid-grant
            retried = await polls.close_poll("r1", p, "host")
        finally:
            for s in racers:
                await s.close()
        assert retried["correct"] == "b" and retried["result"]["correct_voters"] == 13
        assert retried["granted"] == 13
        assert (await polls.close_poll("r1", p, "host"))["granted"] == 13  # told from the record, granted again never
        for u in right:
            held = await coupons.held("r1", u)
            assert len(held) == 1 and held[0].batch == batch, u
        for u in ("w0", "switcher"):
            assert await coupons.held("r1", u) == []
        b = await coupons.batch("r1", batch)
        assert b is not None and b["remaining"] == 100 - 13
        assert await prt.redis.xlen(coupons.stream("r1")) == 13  # one claim each in the coupons' outbox
    finally:
        await coupons.close()


async def test_a_quiz_draw_among_the_correct_voters_is_verifiable(polls: PollService, prt) -> None:  # type: ignore[no-untyped-def]
    opened = await polls.open("r1", PollIn(question="q", options=["x", "y"], correct=0, reward="lottery",
                                           winners=3), "host")
    p = opened["id"]
    for i in range(20):
        await polls.vote("r1", f"u{i:02d}", p, ["a" if i % 2 else "b"], 0)
    closed = await polls.close_poll("r1", p, "host")
    result = closed["result"]
    correct = sorted(f"u{i:02d}" for i in range(20) if i % 2)
    assert drawing.seed_hash(result["seed"]) == opened["seed_hash"]
    assert result["winners"] == drawing.draw(result["seed"], correct, 3)
    assert set(result["winners"]) <= set(correct) and len(result["winners"]) == 3
    told = [e for e in await poll_events(prt, "r1") if e.phase == "closed"]
    assert len(told) == 1 and told[0].data["result"]["winners"] == result["winners"]


async def _vote_many(polls: PollService, room: str, p: str, n: int) -> dict[str, int]:
    expected: dict[str, int] = {"a": 0, "b": 0, "c": 0}
    for start in range(0, n, 200):
        answers = await asyncio.gather(*(polls.vote(room, f"u{i}", p, ["abc"[i % 3]], 0)
                                         for i in range(start, min(n, start + 200))))
        assert all(not isinstance(a, RefusedError) and a["ok"] for a in answers)  # type: ignore[index]
    for i in range(n):
        expected["abc"[i % 3]] += 1
    return expected


async def _pg_figures(db: Any, p: str) -> tuple[int, dict[str, int], dict[str, int]]:
    votes = await db.fetchval("SELECT count(*) FROM poll_votes WHERE poll_id = $1", p)
    counted = {r["o"]: r["n"] for r in await db.fetch(
        "SELECT o, count(*) AS n FROM poll_votes, unnest(options) AS o WHERE poll_id = $1 GROUP BY o", p)}
    tallies = {r["option_id"]: r["votes"] for r in await db.fetch(
        "SELECT option_id, votes FROM poll_options WHERE poll_id = $1", p)}
    return votes, counted, tallies


async def test_votes_and_the_result_are_persisted_exactly_once(polls: PollService, prt, db) -> None:  # type: ignore[no-untyped-def]
    p = (await polls.open("r1", PollIn(question="q", options=["x", "y", "z"], changeable=True), "host"))["id"]
    expected = await _vote_many(polls, "r1", p, 300)
    await polls.vote("r1", "u0", p, ["b"], 0)  # a change: the row keeps the later revision
    expected["a"] -= 1
    expected["b"] += 1
    await polls.close_poll("r1", p, "host")
    worker = persister(prt, "w1", batch=40)
    assert await worker.drain() == 302
    stream = PollKeys(prt.keys).stream("r1")
    await prt.redis.xgroup_setid(stream, "polls", "0")  # every entry delivered again, as after a crash
    worker2 = persister(prt, "w2", batch=40)
    assert await worker2.drain() == 302
    votes, counted, tallies = await _pg_figures(db, p)
    assert votes == 300 and counted == expected and tallies == expected
    row = await db.fetchrow("SELECT status, voters, options FROM polls, poll_votes "
                            "WHERE polls.id = $1 AND poll_id = polls.id AND user_id = 'u0'", p)
    assert (row["status"], row["voters"], row["options"]) == ("closed", 300, ["b"])


async def test_a_worker_process_killed_mid_batch_loses_and_duplicates_nothing(settings, polls: PollService, prt,
                                                                               db) -> None:  # type: ignore[no-untyped-def]
    p = (await polls.open("r1", PollIn(question="q", options=["x", "y", "z"]), "host"))["id"]
    expected = await _vote_many(polls, "r1", p, 4000)
    await polls.close_poll("r1", p, "host")
    env = {**os.environ, **settings.env(), "LIVECORE_WORKER_BATCH": "50"}
    await kill_midway(env, ["polls-persist"], lambda: db.fetchval("SELECT count(*) FROM poll_votes"), 300)
    by_victim = await db.fetchval("SELECT count(*) FROM poll_votes")
    if by_victim == 4000:
        pytest.fail("the worker finished before it could be killed; cast more votes in this test")
    stream = PollKeys(prt.keys).stream("r1")
    survivor = persister(prt, "survivor", claim_idle_ms=300)
    deadline = time.monotonic() + 60
    while await db.fetchval("SELECT status FROM polls WHERE id = $1", p) != "closed" or \
            (await prt.redis.xpending(stream, "polls"))["pending"] > 0:
        assert time.monotonic() < deadline, "the survivor did not finish"
        if await survivor.run_once() == 0:
            await asyncio.sleep(0.05)
    assert await _pg_figures(db, p) == (4000, expected, expected)
