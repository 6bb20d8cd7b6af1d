"""Rooms for the tests that join them. A gateway refuses a join to a room never created (``not_found``), so the
fixtures that start gateways create the suite's test rooms first, as ``POST /api/rooms`` would for the gateways
(``livecore.gateway.roomdir``: the set of created rooms in Redis)."""

from __future__ import annotations

from redis.asyncio import Redis

from livecore.config import Settings
from livecore.keys import Keys
from livecore.ranking.created import mark_created

# Every room id the gateway, commerce and integration tests join.
TEST_ROOMS = ("1", "3", "7", "9", "42", "r", "r1", "r2", "r3", "r5", "r6", "r7", "ra", "rb", "s1", "s42", "t",
              "m1", "m2", "x", "slow", "shared", "grp", "lim", "fz", "show", "demo", "idle-last",
              *(f"idle{i}" for i in range(10)), *(f"room{i}" for i in range(12)))


async def create_rooms(redis: Redis, settings: Settings, *rooms: str) -> None:
    """What creating ``rooms`` (default: ``TEST_ROOMS``) through the API leaves in Redis for the gateways."""
    await mark_created(redis, Keys(settings.key_prefix), rooms or TEST_ROOMS)
