"""Fixtures of the ranking tests: a Redis-only runtime on the test's key prefix, and interaction builders."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from livecore.config import Settings
from livecore.runtime import Runtime, open_runtime


@pytest.fixture
async def rrt(settings: Settings, redis: Redis) -> AsyncIterator[Runtime]:
    async with open_runtime(settings.with_(hot_half_life_s=600.0, like_cap_per_minute=300),
                            database=False) as rt:
        yield rt
