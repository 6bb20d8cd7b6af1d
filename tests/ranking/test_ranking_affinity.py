"""Room affinity between ranking consumers: each live consumer aggregates a disjoint share of the rooms (whole
batches), shares move when a consumer joins or leaves, and a consumer that dies hands over its rooms and its
pending entries: nothing lost, nothing counted twice."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from rankhelp import T0, assert_counted_once, drain, pending, produce
from redis.asyncio import Redis

from livecore.config import Settings
from livecore.interactions.model import Interaction
from livecore.ranking import affinity
from livecore.ranking.mix import mix
from livecore.ranking.names import GROUP, RankKeys
from livecore.runtime import Runtime, open_runtime
from livecore.workers.ranking import RankingWorker

ROOMS = [f"r{i}" for i in range(12)]
TTL_S = 1.0


@pytest.fixture
async def art(settings: Settings, redis: Redis) -> AsyncIterator[Runtime]:
    """A Redis-only runtime whose consumers count as gone 1 s after their last heartbeat."""
    async with open_runtime(settings.with_(hot_half_life_s=600.0, like_cap_per_minute=300,
                                           ranking_member_ttl_s=TTL_S), database=False) as rt:
        yield rt


def per_room(items: list[Interaction]) -> Counter[str]:
    return Counter(it.room for it in items)


async def join(*workers: RankingWorker) -> None:
    """Every worker heartbeats, then heartbeats again so each has seen all the others."""
    for _ in range(2):
        for w in workers:
            await w.discover()
            await w.heartbeat()


def assert_partition(*workers: RankingWorker) -> None:
    shares = [set(w.mine) for w in workers]
    assert all(shares), [w.mine for w in workers]  # everybody has work
    assert sum(len(s) for s in shares) == len(ROOMS) and set().union(*shares) == set(ROOMS)
    members = sorted(w.consumer for w in workers)
    for w in workers:
        assert w.members == members
        assert set(w.mine) == set(affinity.share(ROOMS, members, w.consumer))


async def test_heartbeats_register_expire_and_leave(art) -> None:  # type: ignore[no-untyped-def]
    await produce(art, [Interaction(id=f"x{i}", kind="share", room=room, user="u", ts=T0)
                        for i, room in enumerate(ROOMS)])
    a = RankingWorker(art, "a", push=False)
    b = RankingWorker(art, "b", push=False)
    await join(a, b)
    assert_partition(a, b)
    assert await b.heartbeat(leave=True) == ["a"]  # a clean stop hands over at once
    assert await a.heartbeat() == ["a"] and sorted(a.mine) == sorted(ROOMS)
    await b.heartbeat()
    await asyncio.sleep(TTL_S + 0.5)  # b stops heartbeating: gone after the TTL (Redis' clock)
    assert await a.heartbeat() == ["a"]
    assert await art.redis.zrange(RankKeys(art.keys).consumers(), 0, -1) == [b"a"]


async def test_rooms_rebalance_when_a_consumer_joins_and_when_one_dies(art) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(3)
    a = RankingWorker(art, "a", push=False, round_max=400)
    b = RankingWorker(art, "b", push=False, round_max=400)
    first = list(mix(rng, ROOMS, 3000, T0, 10 * 60_000, id_prefix="p1-"))
    await produce(art, first)
    await join(a, b)
    assert_partition(a, b)
    await drain(a, b)
    counts = per_room(first)
    # every room was aggregated by its owner alone: whole batches
    assert a.processed == sum(counts[r] for r in a.mine) and b.processed == sum(counts[r] for r in b.mine)

    # c joins: it takes rooms from a and b, and only from them
    c = RankingWorker(art, "c", push=False, round_max=400)
    before = {r: w.consumer for w in (a, b) for r in w.mine}
    await join(a, b, c)
    assert_partition(a, b, c)
    assert all(before[r] != "c" for r in c.mine)
    assert all(before[r] == w.consumer for w in (a, b) for r in w.mine)  # nothing moved between a and b
    second = list(mix(rng, ROOMS, 3000, T0 + 10 * 60_000, 10 * 60_000, id_prefix="p2-"))
    await produce(art, second)
    done = {w.consumer: w.processed for w in (a, b, c)}
    await drain(a, b, c)
    counts = per_room(second)
    for w in (a, b, c):
        assert w.processed - done[w.consumer] == sum(counts[r] for r in w.mine), w.consumer

    # c reads its rooms' new entries, counts some of them (Lua step) and dies before publishing and acking
    third = list(mix(rng, ROOMS, 3000, T0 + 20 * 60_000, 10 * 60_000, id_prefix="p3-"))
    await produce(art, third)
    entries = await c.read()
    assert set(entries) == set(c.mine)
    counted = dict(list(entries.items())[: max(1, len(entries) // 2)])
    await c.aggregator.apply({r: [blob for _, blob in v] for r, v in counted.items()}, T0)
    c_rooms = list(c.mine)
    assert await pending(art, c_rooms) == sum(len(v) for v in entries.values())
    await asyncio.sleep(TTL_S + 0.5)  # no heartbeat from c any more (nor from a and b, which now return)
    await join(a, b)
    assert a.members == b.members == ["a", "b"]
    assert_partition(a, b)  # c's rooms went to the survivors
    assert set(c_rooms) <= set(a.mine) | set(b.mine)
    done = {w.consumer: (w.processed, w.duplicates) for w in (a, b)}
    await drain(a, b, claim_idle_ms=0)
    taken = sum(w.processed - done[w.consumer][0] for w in (a, b))
    skipped = sum(w.duplicates - done[w.consumer][1] for w in (a, b))
    assert taken == 3000 - sum(len(v) for v in counted.values())  # the rest was counted once already
    assert skipped == sum(len(v) for v in counted.values())  # ... and is recognised as such
    await assert_counted_once(art, a, first + second + third, ROOMS)


async def stream_done(redis: Redis, names: RankKeys, rooms: list[str]) -> bool:
    """Every entry of every room delivered to the group and acknowledged."""
    for room in rooms:
        stream = names.stream(room)
        last = (await redis.xinfo_stream(stream))["last-generated-id"]
        group = next(g for g in await redis.xinfo_groups(stream) if g["name"] == GROUP.encode())
        if group["last-delivered-id"] != last or group["pending"]:
            return False
    return True


async def test_a_killed_worker_process_hands_its_rooms_to_the_survivor(art, settings) -> None:  # type: ignore[no-untyped-def]
    items = list(mix(random.Random(9), ROOMS, 24_000, T0, 30 * 60_000))
    await produce(art, items[:2000])  # so the processes find the rooms at start
    env = {**os.environ, **settings.env(), "LIVECORE_RANKING_BATCH": "200", "LIVECORE_RANKING_MEMBER_TTL_S": "1",
           "LIVECORE_RANKING_HEARTBEAT_S": "0.2", "LIVECORE_RANKING_CLAIM_IDLE_MS": "1000",
           "LIVECORE_LIKE_CAP_PER_MINUTE": "300", "LIVECORE_HOT_HALF_LIFE_S": "600"}
    procs = [subprocess.Popen([sys.executable, "-m", "livecore.workers.ranking"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    names = RankKeys(art.keys)
    consumers = [f"{socket.gethostname()}-{p.pid}" for p in procs]
    try:
        deadline = time.monotonic() + 60
        while sorted(m.decode() for m in await art.redis.zrange(names.consumers(), 0, -1)) != sorted(consumers):
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "workers did not register"
            await asyncio.sleep(0.05)
        producing = asyncio.create_task(produce(art, items[2000:]))
        while int(await art.redis.hget(names.stats(), "applied") or 0) < 6000:
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "no progress"
            await asyncio.sleep(0.02)
        procs[0].send_signal(signal.SIGKILL)  # most likely mid-batch
        procs[0].wait(10)
        await producing
        deadline = time.monotonic() + 90
        while not await stream_done(art.redis, names, ROOMS):  # the survivor alone finishes everything
            assert time.monotonic() < deadline and procs[1].poll() is None, "the survivor did not take over"
            await asyncio.sleep(0.1)
        assert [m.decode() for m in await art.redis.zrange(names.consumers(), 0, -1)] == [consumers[1]]
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(10)
    assert procs[1].returncode == 0  # a clean stop...
    assert await art.redis.zrange(names.consumers(), 0, -1) == []  # ...leaves the membership at once
    checker = RankingWorker(art, "checker", push=False)
    await assert_counted_once(art, checker, items, ROOMS)
