"""Rooms for the benchmarks that start their own gateways: a gateway refuses a join to a room never created
(``not_found``), so a benchmark registers its room as ``POST /api/rooms`` would (the set of created rooms in
Redis, ``livecore.gateway.roomdir``) before its clients join."""

from __future__ import annotations

from livecore.keys import Keys
from livecore.ranking.created import mark_created
from livecore.runtime import redis_client


async def create_room(redis_url: str, key_prefix: str, room: str, *, cluster: bool = False) -> None:
    redis = redis_client(redis_url, cluster=cluster)
    try:
        await mark_created(redis, Keys(key_prefix), [room])
    finally:
        await redis.aclose()
