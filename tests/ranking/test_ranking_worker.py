"""The ranking worker: consumer group over per-room streams, exactly-once under redelivery and crashes,
recomputation from the stream equal to the live rankings, pushes to viewers and the host."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from rankhelp import T0, drain, ix, pending, produce
from rankhelp import assert_counted_once as _counted_once

from livecore.core.keywords import KeywordExtractor
from livecore.interactions.model import Interaction
from livecore.people import PeopleStore
from livecore.ranking.mix import mix
from livecore.ranking.names import RankKeys
from livecore.workers.ranking import RankingWorker, RoundPipeline

ROOMS = [f"r{i}" for i in range(6)]


async def assert_counted_once(rt, worker: RankingWorker, items: list[Interaction]) -> None:  # type: ignore[no-untyped-def]
    await _counted_once(rt, worker, items, ROOMS)


async def test_two_consumers_share_the_work_and_recompute_equals_live(rrt) -> None:  # type: ignore[no-untyped-def]
    items = list(mix(random.Random(7), ROOMS, 3000, T0, 40 * 60_000))
    items += items[100:400]  # the producer appended some twice (a retried flush)
    await produce(rrt, items)
    a = RankingWorker(rrt, "a", push=False, round_max=300)
    b = RankingWorker(rrt, "b", push=False, round_max=300)
    await drain(a, b)
    assert a.processed > 0 and b.processed > 0  # both took part
    assert a.processed + b.processed == 3000
    assert a.duplicates + b.duplicates == 300
    await assert_counted_once(rrt, a, items)


async def test_a_consumer_dying_mid_batch_is_taken_over(rrt) -> None:  # type: ignore[no-untyped-def]
    items = list(mix(random.Random(11), ROOMS, 2000, T0, 20 * 60_000))
    await produce(rrt, items)
    dying = RankingWorker(rrt, "dying", push=False)
    await dying.discover()
    entries = await dying.read()
    assert sum(len(v) for v in entries.values()) == 2000
    # it counts half of the rooms (Lua step) and dies before publishing the rankings and acknowledging
    half = {room: [blob for _, blob in entries[room]] for room in list(entries)[:3]}
    await dying.aggregator.apply(half, T0)
    assert await pending(rrt, ROOMS) == 2000
    heir = RankingWorker(rrt, "heir", push=False)
    await drain(heir, claim_idle_ms=0)
    assert heir.processed == 2000 - sum(len(v) for v in half.values())  # the rest was counted once already
    await assert_counted_once(rrt, heir, items)


async def test_a_killed_worker_process_leaves_nothing_uncounted_or_double(rrt, settings) -> None:  # type: ignore[no-untyped-def]
    items = list(mix(random.Random(5), ROOMS, 30_000, T0, 30 * 60_000))
    await produce(rrt, items[:2000])  # so the process finds the rooms at start
    env = {**os.environ, **settings.env(), "LIVECORE_RANKING_BATCH": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "livecore.workers.ranking"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stats = RankKeys(rrt.keys).stats()
    try:
        producing = asyncio.create_task(produce(rrt, items[2000:]))
        deadline = time.monotonic() + 60
        while int(await rrt.redis.hget(stats, "applied") or 0) < 4000:
            assert time.monotonic() < deadline and proc.poll() is None, "the worker process made no progress"
            await asyncio.sleep(0.02)
        proc.send_signal(signal.SIGKILL)  # mid-stream, most likely mid-batch
        proc.wait(10)
        await producing
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    killed_at = int(await rrt.redis.hget(stats, "applied") or 0)
    assert 4000 <= killed_at < 30_000
    heir = RankingWorker(rrt, "heir", push=False)
    await drain(heir, claim_idle_ms=0)
    await assert_counted_once(rrt, heir, items)
    # entries the killed process had counted but not acknowledged came back to the heir as duplicates
    assert killed_at + heir.processed + heir.duplicates >= 30_000
    print(f"killed after {killed_at} acknowledged; heir counted {heir.processed}, skipped {heir.duplicates} "
          "already counted")


async def test_rank_state_goes_to_the_room_and_metrics_to_the_host(rrt) -> None:  # type: ignore[no-untyped-def]
    now = int(time.time() * 1000)
    await rrt.bus.set_state("A", {"live": True, "session": "s9"})
    await produce(rrt, [ix("1", "gift", "A", "whale", now, value=5000), ix("2", "gift", "A", "fan", now, value=100),
                        ix("3", "enter", "B", "u", now), ix("4", "chat", "A", "fan", now, text="口红链接在哪里")])
    w = RankingWorker(rrt, "w", keywords=KeywordExtractor())
    await drain(w)
    await PeopleStore(rrt.redis, rrt.keys).remember("whale", "大鲸鱼")  # a name its token carried
    assert await w.push_ranks() == 2
    state = await rrt.bus.state("A")
    assert state["rank"] == {"hot": 1, "hourly": 1, "hourly_value": 5100}
    assert state["top"] == [{"user": "whale", "name": "大鲸鱼", "value": 5000},
                            {"user": "fan", "name": "fan", "value": 100}]
    assert (await rrt.bus.state("B"))["rank"]["hot"] == 2
    assert await w.push_ranks() == 0  # nothing changed: nothing sent
    assert await w.push_metrics() == 1  # A is live; B has no session and no host console
    metrics = (await rrt.bus.state("host:A"))["metrics"]
    assert (metrics["session"], metrics["gifts"], metrics["gift_value"], metrics["comments"]) == ("s9", 2, 5100, 1)
    assert await w.refresh_keywords() == 1
    kw = await w.store.keywords("A")
    assert [k["word"] for k in kw["keywords"]] == ["口红", "链接"] and kw["texts"] == 1


@pytest.mark.parametrize("n", [1])
async def test_the_run_loop_stops_on_request(rrt, n) -> None:  # type: ignore[no-untyped-def]
    await produce(rrt, [ix("x", "share", "A", "u", int(time.time() * 1000))])
    w = RankingWorker(rrt, "loop")
    stop = asyncio.Event()
    task = asyncio.create_task(w.run(stop))
    deadline = time.monotonic() + 20
    while w.processed < n:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)


async def test_the_pipelined_loop_counts_each_event_once_and_acknowledges_all_on_stop(rrt) -> None:  # type: ignore[no-untyped-def]
    """The run loop keeps up to three rounds in flight (read ahead, scripts running, publish); with small rounds
    and entries still being appended, every event counts once and a clean stop leaves nothing pending."""
    items = list(mix(random.Random(13), ROOMS, 6000, T0, 30 * 60_000))
    items += items[500:800]  # the producer appended some twice (a retried flush)
    await produce(rrt, items[:1000])
    w = RankingWorker(rrt, "loop", push=False, round_max=120)
    stop = asyncio.Event()
    task = asyncio.create_task(w.run(stop))
    await produce(rrt, items[1000:])
    deadline = time.monotonic() + 60
    while w.processed < 6000:
        assert time.monotonic() < deadline and not task.done(), (w.processed, w.duplicates)
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 10)
    assert (w.processed, w.duplicates) == (6000, 300)
    await assert_counted_once(rrt, w, items)


async def test_a_clean_stop_applies_and_acknowledges_every_round_in_flight(rrt) -> None:  # type: ignore[no-untyped-def]
    items = list(mix(random.Random(17), ROOMS, 3000, T0, 30 * 60_000))
    await produce(rrt, items)
    w = RankingWorker(rrt, "stopping", push=False, round_max=120)
    await w.discover()
    flow = RoundPipeline(w)
    await flow.turn()  # round 1 read, its scripts sent, round 2 being read
    await flow.turn()  # round 1 publishing, round 2's scripts sent, round 3 being read
    assert flow.applying is not None and flow.publishing is not None and flow.ahead is not None
    await flow.finish()
    assert await pending(rrt, ROOMS) == 0
    assert 0 < w.processed < 3000  # three rounds, not the whole backlog
    assert int(await rrt.redis.hget(RankKeys(rrt.keys).stats(), "applied")) == w.processed


async def test_a_stamped_session_wins_over_the_room_state_when_the_worker_is_late(rrt) -> None:  # type: ignore[no-untyped-def]
    """The worker was behind: by the time it reads the first show's interactions the room is in its next
    show. What the producers stamped decides; the room state only fills in unstamped interactions."""
    now = int(time.time() * 1000)
    await produce(rrt, [ix("g1", "gift", "A", "whale", now, value=5000, session="s1"),
                        ix("g2", "gift", "A", "fan", now + 1, value=100, session="s1"),
                        ix("c1", "chat", "A", "fan", now + 2, text="再来一单")])  # unstamped (an older producer)
    await rrt.bus.set_state("A", {"live": True, "session": "s2"})
    w = RankingWorker(rrt, "late", push=False)
    await drain(w)
    first = await w.store.metrics("A", now, "s1")
    second = await w.store.metrics("A", now, "s2")
    assert (first["gifts"], first["gift_value"], first["comments"]) == (2, 5100, 0)
    assert (second["gifts"], second["gift_value"], second["comments"]) == (0, 0, 1)


async def test_departed_consumers_are_forgotten_in_the_owned_rooms_groups(rrt, settings) -> None:  # type: ignore[no-untyped-def]
    from livecore.ranking.names import GROUP
    from livecore.runtime import open_runtime

    await produce(rrt, list(mix(random.Random(3), ROOMS, 600, T0, 10 * 60_000)))
    old = RankingWorker(rrt, "host-1111", push=False)
    await drain(old)  # read and acknowledged everything, then its process stopped
    streams = [RankKeys(rrt.keys).stream(room) for room in ROOMS]
    async with open_runtime(settings.with_(consumer_prune_idle_s=0), database=False) as rt:
        new = RankingWorker(rt, "host-2222", push=False)
        await new.discover()
        await new.heartbeat()
        assert await new.prune_consumers() == len(ROOMS)
        for stream in streams:
            assert await rrt.redis.xinfo_consumers(stream, GROUP) == []
        await produce(rrt, [ix("after", "share", ROOMS[0], "u", T0)])
        await drain(new)
        assert new.processed == 1


async def test_the_room_state_is_read_only_for_interactions_without_a_session(rrt) -> None:  # type: ignore[no-untyped-def]
    now = int(time.time() * 1000)
    await produce(rrt, [ix(f"s{i}", "share", "A", f"u{i}", now, session="s1") for i in range(5)])
    w = RankingWorker(rrt, "stamped", push=False)
    await drain(w)
    assert (w.processed, w.session_reads) == (5, 0)  # every interaction carried its session
    await produce(rrt, [ix("late", "share", "B", "u", now)])  # from a producer that had no session to stamp
    await drain(w)
    assert (w.processed, w.session_reads) == (6, 1)
