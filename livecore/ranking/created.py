"""The set of created rooms in Redis (``RankKeys.known``): filled when a room is created through the API and
from PostgreSQL at start-up and after a restore. The gateway admits joins only to these rooms
(``gateway/roomdir.py``) and the platform rankings list only these."""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from ..keys import Keys
from ..runtime import Runtime
from .names import RankKeys

BATCH = 1000  # rooms per SADD


async def mark_created(redis: Redis, keys: Keys, rooms: Sequence[str]) -> None:
    """Add ``rooms`` to the set of created rooms."""
    key = RankKeys(keys).known()
    for i in range(0, len(rooms), BATCH):
        await redis.sadd(key, *rooms[i:i + BATCH])


async def mark_all_created(rt: Runtime) -> None:
    """Every room PostgreSQL holds into the set of created rooms (at start-up, after a restore)."""
    if rt.db is None:
        return
    await mark_created(rt.redis, rt.keys, [r["id"] for r in await rt.db.fetch("SELECT id FROM rooms")])
