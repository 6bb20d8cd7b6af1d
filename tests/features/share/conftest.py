"""Share fixtures: a runtime on a manual clock (attribution windows are probed to the millisecond), the share
and help services on it, and the sales and orders services that make the orders credited."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sharehelp import T0, WINDOW_S

from livecore.clock import ManualClock
from livecore.commerce.orders import OrderService
from livecore.commerce.sales import SalesService
from livecore.config import Settings
from livecore.features.gateway_set import FeatureSet
from livecore.features.share.help import HelpService
from livecore.features.share.service import ShareService
from livecore.gateway.server import Gateway
from livecore.runtime import Runtime, open_runtime


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=T0)


@pytest.fixture
async def srt(settings: Settings, migrated: str, redis, rooms, clock: ManualClock) -> AsyncIterator[Runtime]:  # type: ignore[no-untyped-def]
    async with open_runtime(settings.with_(attribution_window_s=WINDOW_S), clock=clock) as rt:
        yield rt


@pytest.fixture
def share(srt: Runtime) -> ShareService:
    return ShareService(srt)


@pytest.fixture
async def helps(srt: Runtime, share: ShareService) -> AsyncIterator[HelpService]:
    svc = HelpService(srt, share)
    try:
        yield svc
    finally:
        await svc.close()


@pytest.fixture
async def sales(srt: Runtime) -> AsyncIterator[SalesService]:
    svc = SalesService(srt)
    try:
        yield svc
    finally:
        await svc.close()


@pytest.fixture
def orders(srt: Runtime, sales: SalesService) -> OrderService:
    return OrderService(srt, sales.stock)


@pytest.fixture
async def gateway(settings: Settings, redis, rooms) -> AsyncIterator[Gateway]:  # type: ignore[no-untyped-def]
    """A gateway with every registered feature's real part, on the system clock."""
    async with open_runtime(settings.with_(tick_ms=50), database=False) as rt:
        gw = Gateway(rt, features=FeatureSet.open(rt))
        await gw.start("127.0.0.1", 0)
        try:
            yield gw
        finally:
            await gw.stop()
