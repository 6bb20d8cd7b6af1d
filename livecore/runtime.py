"""The connections and shared services of one process, built from ``Settings`` and closed together.

Every process (gateway, API, worker, demo) opens one ``Runtime`` in its lifespan and hands it down; nothing
lives in module globals.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import cast

import asyncpg
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError

from .broker.room_bus import RoomBus
from .clock import Clock, SystemClock
from .config import Settings
from .durability import Durability, check
from .generation import GenerationWatch
from .keys import Keys
from .scripts import Scripts
from .storage.db import create_pool


@dataclass
class Runtime:
    settings: Settings
    redis: Redis
    keys: Keys
    scripts: Scripts
    bus: RoomBus
    clock: Clock
    db: asyncpg.Pool | None = None
    durability: Durability = field(default_factory=lambda: Durability("none", 0, ""))
    generation: GenerationWatch | None = None


def redis_client(url: str, max_connections: int = 256, *, cluster: bool = False, health_check_s: float = 30,
                 **kwargs: object) -> Redis:
    """A client whose pool makes callers wait for a free connection rather than fail past the limit.

    ``cluster``: ``url`` names one node of a Redis Cluster; the client learns the others and routes each
    command, script and pipeline by hash slot (``RedisCluster``). It offers the same commands, and livecore
    keeps every command to one slot (tested on a cluster), so it stands in for ``Redis`` everywhere."""
    if cluster:
        return cast(Redis, RedisCluster.from_url(url, max_connections=max_connections, socket_keepalive=True,
                                                 health_check_interval=health_check_s, **kwargs))
    pool = BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=20,
                                           health_check_interval=health_check_s, socket_keepalive=True,
                                           **kwargs)
    return Redis.from_pool(pool)  # the client owns the pool and closes it


async def drop_keys(redis: Redis, prefix: str) -> int:
    """Delete every key under ``prefix:`` (a test's or a benchmark's own key space); returns how many.

    One ``UNLINK`` per key, pipelined: a multi-key delete would span hash slots, which Redis Cluster refuses."""
    deleted = 0
    batch: list[bytes] = []

    async def flush() -> int:
        pipe = redis.pipeline(transaction=False)
        for key in batch:
            pipe.execute_command("UNLINK", key)  # a cluster pipeline has no unlink()
        done = sum(await pipe.execute())
        batch.clear()
        return done

    async for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
        batch.append(key)
        if len(batch) >= 500:
            deleted += await flush()
    if batch:
        deleted += await flush()
    return deleted


@asynccontextmanager
async def open_runtime(settings: Settings, *, database: bool = True, db_max_size: int = 10,
                       clock: Clock | None = None) -> AsyncIterator[Runtime]:
    redis = redis_client(settings.redis_url, settings.redis_max_connections, cluster=settings.redis_cluster,
                         health_check_s=settings.redis_health_check_s)
    keys = Keys(settings.key_prefix)
    scripts = Scripts(redis)
    db = None
    try:
        await scripts.load()
        if database:
            db = await create_pool(settings.database_url, settings.database_schema, max_size=db_max_size)
        bus = RoomBus(redis, keys, scripts, events_maxlen=settings.room_events_maxlen,
                      events_ttl_s=settings.room_events_ttl_s)
        durability = await check(redis, mode=settings.durability, timeout_ms=settings.durability_timeout_ms,
                                 marker=keys.global_key("durability", "tick"), cluster=settings.redis_cluster,
                                 demo=settings.demo)
        generation = GenerationWatch(redis, keys, db, interval_s=settings.generation_check_s)
        with contextlib.suppress(RedisError, OSError):  # Redis away at start-up: the watcher checks later
            await generation.check()
        stop = asyncio.Event()
        watcher = asyncio.create_task(generation.run(stop), name="redis-generation")
        try:
            yield Runtime(settings=settings, redis=redis, keys=keys, scripts=scripts, bus=bus,
                          clock=clock or SystemClock(), db=db, durability=durability, generation=generation)
        finally:
            stop.set()
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher
    finally:
        try:
            if db is not None:
                await db.close()
        finally:
            await redis.aclose()
