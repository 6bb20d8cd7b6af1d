"""Builders and state dumps shared by the ranking tests."""

from __future__ import annotations

from collections import Counter
from typing import Any

from redis.asyncio import Redis

from livecore.interactions.log import InteractionLog
from livecore.interactions.model import Interaction, encoder
from livecore.ranking import recompute
from livecore.ranking.created import mark_created
from livecore.ranking.names import GROUP
from livecore.workers.ranking import RankingWorker

H_MS = 600_000
T0 = 32 * H_MS * 100_000  # a hot-score landmark (not an hour boundary)


def ix(id: str, kind: str, room: str, user: str, ts: int, **kw: Any) -> Interaction:
    return Interaction(id=id, kind=kind, room=room, user=user, ts=ts, **kw)


def blobs(items: list[Interaction]) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {}
    for it in items:
        out.setdefault(it.room, []).append(encoder.encode(it))
    return out


async def dump(redis: Redis, prefix: str) -> dict[bytes, Any]:
    """Every key of the prefix with its value, to compare whole states."""
    out: dict[bytes, Any] = {}
    async for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
        kind = (await redis.type(key)).decode()
        if kind == "string":
            out[key] = await redis.get(key)
        elif kind == "hash":
            out[key] = await redis.hgetall(key)
        elif kind == "set":
            out[key] = await redis.smembers(key)
        elif kind == "zset":
            out[key] = await redis.zrange(key, 0, -1, withscores=True)
        elif kind == "list":
            out[key] = await redis.lrange(key, 0, -1)
        elif kind == "stream":
            out[key] = await redis.xlen(key)
    return out


async def register(rt, *rooms: str) -> None:  # type: ignore[no-untyped-def]
    """Rooms the rankings may list (as ``POST /api/rooms`` makes them)."""
    await mark_created(rt.redis, rt.keys, rooms)


async def produce(rt, items: list[Interaction], *, known: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Append ``items`` to the interaction streams; their rooms are known rooms unless ``known`` is False."""
    if known:
        await register(rt, *{it.room for it in items})
    log = InteractionLog(rt.redis, rt.keys, batch=1000)
    for it in items:
        assert log.emit(it)
    while log.pending:
        await log.flush()


async def drain(*workers: RankingWorker, claim_idle_ms: int | None = None, rounds: int = 500) -> None:
    """Step the workers in turn until none of them finds anything new (or pending, when claiming)."""
    for w in workers:
        await w.discover()
    idle = 0
    for _ in range(rounds):
        got = 0
        for w in workers:
            got += await w.step(block_ms=0)
            if claim_idle_ms is not None:
                claimed = await w.claim(claim_idle_ms)
                await w.process(claimed)
                got += sum(len(v) for v in claimed.values())
        idle = idle + 1 if got == 0 else 0
        if idle >= 2:
            return
    raise AssertionError("the workers never caught up")


async def pending(rt, rooms: list[str]) -> int:  # type: ignore[no-untyped-def]
    total = 0
    for room in rooms:
        info = await rt.redis.xpending(rt.keys.interactions(room), GROUP)
        total += int(info["pending"])
    return total


def expected_likes(items: list[Interaction], cap: int) -> Counter[str]:
    per: Counter[tuple[str, int, str]] = Counter()
    seen: set[str] = set()
    out: Counter[str] = Counter()
    for it in items:
        if it.kind != "like" or it.id in seen:
            continue
        seen.add(it.id)
        key = (it.room, it.ts // 60_000, it.user)
        allowed = max(0, min(it.count, cap - per[key]))
        per[key] += allowed
        out[it.room] += allowed
    return out


async def assert_counted_once(rt, worker: RankingWorker, items: list[Interaction], rooms: list[str]) -> None:  # type: ignore[no-untyped-def]
    unique = {it.id: it for it in items}.values()
    cmp = await recompute.compare(rt.redis, worker.store, worker.cfg, rooms)
    assert cmp.equal, (cmp.hot_live, cmp.hot_recomputed, cmp.hourly_live, cmp.hourly_recomputed)
    assert len(cmp.hot_live) == len(rooms)
    likes = expected_likes(list(unique), rt.settings.like_cap_per_minute)
    gifts = Counter(it.room for it in unique if it.kind == "gift")
    for room in rooms:
        m = await worker.store.metrics(room, T0, "-")
        assert m["likes"] == likes[room], room
        assert m["gifts"] == gifts[room], room
    assert await pending(rt, rooms) == 0
