"""An open poll lost by an empty Redis (a private redis-server, restarted) comes back from PostgreSQL with
``livecore restore``: its definition and the tallies of the persisted votes, nobody who voted votes again, a
vote changes at most once, the deadline closes it and publishes one result; a quiz's coupon is not granted twice."""

from __future__ import annotations

import contextlib
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError

from livecore.clock import ManualClock
from livecore.commerce.restore import restore
from livecore.core.outcome import Refusal
from livecore.features.base import RestoreScope
from livecore.features.coupons.service import CouponBatchIn, CouponService, claims_persister
from livecore.features.polls.events import PollEvent
from livecore.features.polls.model import PollIn
from livecore.features.polls.service import PollService
from livecore.features.polls.worker import persister
from livecore.protocol.codec import event_decoder
from livecore.runtime import Runtime, open_runtime
from livecore.services.redis_server import RedisServer

ROOM = "r1"
T0 = 1_800_000_000.0


def ok(answer: object) -> dict[str, Any]:
    assert isinstance(answer, dict), answer
    return answer


def code(answer: object) -> str:
    assert isinstance(answer, Refusal), answer
    return answer.code.value


async def lose_redis(rt: Runtime, server: RedisServer) -> None:
    server.restart()  # back empty: the poll, its votes, tallies, outbox and timer entry are gone
    with contextlib.suppress(RedisConnectionError):  # the first call meets the old, closed connection
        await rt.redis.ping()
    assert rt.generation is not None and await rt.generation.check()  # as each process's watch notices it


async def closed_events(rt: Runtime, poll: str) -> list[PollEvent]:
    entries = await rt.redis.xrange(rt.keys.room_events(ROOM))
    found = (event_decoder.decode(f[b"e"]) for _, f in entries)
    return [e for e in found if isinstance(e, PollEvent) and e.poll == poll and e.phase == "closed"]


async def test_a_restored_poll_keeps_its_persisted_votes_and_closes_once(  # type: ignore[no-untyped-def]
        settings, migrated, redis_server) -> None:
    clock = ManualClock(T0)
    async with open_runtime(settings.with_(redis_url=redis_server.url, redis_cluster=False), clock=clock) as rt:
        polls = PollService(rt)
        writer = persister(rt, "w")
        p = (await polls.open(ROOM, PollIn(question="Which colour?", options=["红", "blue", "green"],
                                           duration_s=60, changeable=True), "host"))["id"]
        for user, option in (("u1", "a"), ("u2", "b"), ("u3", "a"), ("u4", "a")):
            ok(await polls.vote(ROOM, user, p, [option], 0))
        assert ok(await polls.vote(ROOM, "u2", p, ["c"], 0))["changed"]  # u2's one change
        assert await writer.drain() == 5
        ok(await polls.vote(ROOM, "u5", p, ["b"], 0))  # acknowledged, never persisted: lost with Redis
        ok(await polls.vote(ROOM, "u4", p, ["b"], 0))  # u4's change: lost too

        await lose_redis(rt, redis_server)
        assert code(await polls.vote(ROOM, "u6", p, ["a"], 0)) == "unavailable"  # not "not_found": retry
        report = await restore(rt)
        [item] = report.of("polls")
        assert (item.poll, item.restored, item.voters, item.tallies) == (p, True, 4, {"a": 3, "b": 0, "c": 1})
        assert not item.due and not item.closed
        again = await restore(rt, RestoreScope(feature="polls", ident=p))  # twice is harmless
        assert [(i.restored, i.why) for i in again.of("polls")] == [(False, "present in Redis")]
        view = await polls.get(ROOM, p)
        assert view is not None and view["question"] == "Which colour?" and view["voters"] == 4
        assert [(o["text"], o["votes"]) for o in view["options"]] == [("红", 3), ("blue", 0), ("green", 1)]
        assert (await rt.bus.state(ROOM))["poll"]["id"] == p  # the viewers see it again

        same = ok(await polls.vote(ROOM, "u1", p, ["a"], 0))  # the same vote again: told, not counted
        assert same["repeated"] and same["voters"] == 4
        assert code(await polls.vote(ROOM, "u2", p, ["a"], 0)) == "already"  # changed once already
        assert ok(await polls.vote(ROOM, "u3", p, ["b"], 0))["changed"]  # u3 may still change once
        assert code(await polls.vote(ROOM, "u3", p, ["c"], 0)) == "already"
        assert ok(await polls.vote(ROOM, "u4", p, ["b"], 0))["changed"]  # its lost change, made again
        assert ok(await polls.vote(ROOM, "u5", p, ["b"], 0))["rev"] == 0  # its lost vote, made again
        assert ok(await polls.vote(ROOM, "u6", p, ["a"], 0))["voters"] == 6

        clock.advance(61)
        assert await polls.close_due() == [p]  # the timer's entry came back with the poll
        assert await polls.close_due() == []
        [told] = await closed_events(rt, p)
        assert told.data["result"]["tallies"] == {"a": 2, "b": 3, "c": 1} and told.data["result"]["voters"] == 6
        assert await writer.drain() + await writer.drain() == 5  # 4 votes and the close (NOGROUP recreated)
        assert rt.db is not None
        row = await rt.db.fetchrow("SELECT status, voters FROM polls WHERE id = $1", p)
        assert (row["status"], row["voters"]) == ("closed", 6)
        votes = dict(await rt.db.fetch("SELECT option_id, votes FROM poll_options WHERE poll_id = $1", p))
        assert votes == {"a": 2, "b": 3, "c": 1}
        assert await rt.db.fetchval("SELECT count(*) FROM poll_votes WHERE poll_id = $1", p) == 6
        assert (await restore(rt)).of("polls") == []  # closed: PostgreSQL's record, nothing to restore
        await polls.close()


async def test_a_quiz_closed_before_the_loss_is_finished_without_granting_twice(  # type: ignore[no-untyped-def]
        settings, migrated, redis_server) -> None:
    clock = ManualClock(T0)
    async with open_runtime(settings.with_(redis_url=redis_server.url, redis_cluster=False), clock=clock) as rt:
        polls, coupons = PollService(rt), CouponService(rt)
        batch = (await coupons.create_batch(ROOM, CouponBatchIn(kind="fixed", amount=500, total=10, per_user=3,
                                                                duration_s=3600, valid_for_s=86400), "host"))["id"]
        p = (await polls.open(ROOM, PollIn(question="1+1?", options=["1", "2"], correct=1, reward="coupon",
                                           coupon_batch=batch, duration_s=60), "host"))["id"]
        for user, option in (("right1", "b"), ("right2", "b"), ("wrong", "a")):
            ok(await polls.vote(ROOM, user, p, [option], 0))
        assert await persister(rt, "w").drain() == 3  # the votes reach PostgreSQL ...
        assert (await polls.close_poll(ROOM, p, "host"))["granted"] == 2
        assert await claims_persister(rt, "w").drain() == 2  # ... and the coupons, but not the close
        assert rt.db is not None
        assert await rt.db.fetchval("SELECT status FROM polls WHERE id = $1", p) == "open"

        await lose_redis(rt, redis_server)
        report = await restore(rt)
        assert [(b.batch, b.restored, b.claims) for b in report.of("coupons")] == [(batch, True, 2)]
        [item] = report.of("polls")
        assert item.restored and item.closed and item.voters == 3  # the host's close is on record
        assert code(await polls.vote(ROOM, "late", p, ["b"], 0)) == "ended"
        assert await polls.close_due() == [p]
        [told] = await closed_events(rt, p)
        assert told.data["result"]["correct_voters"] == 2
        assert (await polls.get(ROOM, p) or {})["granted"] == 2  # both hold the quiz's coupon ...
        for user in ("right1", "right2"):
            assert len(await coupons.held(ROOM, user)) == 1, user  # ... once: the claim replayed
        assert await coupons.held(ROOM, "wrong") == []
        b = await coupons.batch(ROOM, batch)
        assert b is not None and b["remaining"] == 8
        assert await claims_persister(rt, "w").drain() == 0
        assert await rt.db.fetchval("SELECT count(*) FROM coupon_claims WHERE batch_id = $1", batch) == 2
        await polls.close()
        await coupons.close()
