"""Red packet fixtures: a runtime on a manual clock (windows probed to the millisecond), the service on it, and
in-process gateways running every registered feature's part."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest

from livecore.clock import ManualClock
from livecore.config import Settings
from livecore.features.gateway_set import FeatureSet
from livecore.features.redpacket.service import RedPacketService
from livecore.gateway.server import Gateway
from livecore.runtime import Runtime, open_runtime

T0 = 1_800_000_000.0  # seconds; the manual clock starts here


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=T0)


@pytest.fixture
async def crt(settings: Settings, migrated: str, redis: Any, clock: ManualClock) -> AsyncIterator[Runtime]:
    async with open_runtime(settings, clock=clock, db_max_size=10) as rt:
        yield rt


@pytest.fixture
async def packets(crt: Runtime) -> AsyncIterator[RedPacketService]:
    svc = RedPacketService(crt)
    try:
        yield svc
    finally:
        await svc.close()


@pytest.fixture
async def gateways(settings: Settings, redis: Any, rooms: Any) -> AsyncIterator[Callable[[], Awaitable[Gateway]]]:
    """``await gateways()`` -> one more started gateway (real clock) with every feature's part."""
    async with AsyncExitStack() as stack:
        started: list[Gateway] = []

        async def start() -> Gateway:
            rt = await stack.enter_async_context(open_runtime(settings.with_(tick_ms=50), database=False))
            gw = Gateway(rt, features=FeatureSet.open(rt))
            await gw.start("127.0.0.1", 0)
            started.append(gw)
            return gw

        try:
            yield start
        finally:
            for gw in started:
                await gw.stop()
