"""Helpers shared by the commerce tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any


async def together(coros: Iterable[Awaitable[Any]], limit: int = 40) -> list[Any]:
    """Run concurrently, at most ``limit`` in flight (the Redis client's pool holds 100 connections)."""
    gate = asyncio.Semaphore(limit)

    async def one(c: Awaitable[Any]) -> Any:
        async with gate:
            return await c

    return await asyncio.gather(*(one(c) for c in coros))
