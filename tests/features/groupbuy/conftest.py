"""Group-buy fixtures: a runtime on a manual clock (deadlines probed to the millisecond), a room with a product
in its cart, and the service, the worker and the timer built on that runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from gbhelp import PRODUCT, ROOM, T0, T0_MS, seed_cart

from livecore.clock import ManualClock
from livecore.config import Settings
from livecore.features.gateway_set import FeatureSet
from livecore.features.groupbuy.model import DealIn
from livecore.features.groupbuy.persist import persister
from livecore.features.groupbuy.service import GroupBuyService
from livecore.features.groupbuy.settle import GroupTimer
from livecore.gateway.server import Gateway
from livecore.runtime import Runtime, open_runtime
from livecore.workers.outbox import RoomOutbox


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=T0)


@pytest.fixture
async def grt(settings: Settings, migrated: str, redis: Any, clock: ManualClock) -> AsyncIterator[Runtime]:
    async with open_runtime(settings, clock=clock, db_max_size=10) as rt:
        await seed_cart(rt)
        yield rt


@pytest.fixture
async def live_rt(runtime: Runtime) -> Runtime:
    """The shared runtime (real clock), with the cart seeded: for the gateway tests."""
    await seed_cart(runtime)
    return runtime


@pytest.fixture
async def gateway(settings: Settings, redis: Any, rooms: Any) -> AsyncIterator[Gateway]:
    """A gateway with every registered feature's real part."""
    async with open_runtime(settings.with_(tick_ms=50), database=False) as rt:
        gw = Gateway(rt, features=FeatureSet.open(rt))
        await gw.start("127.0.0.1", 0)
        try:
            yield gw
        finally:
            await gw.stop()


@pytest.fixture
async def gb(grt: Runtime) -> AsyncIterator[GroupBuyService]:
    svc = GroupBuyService(grt, state_interval_s=0.01)
    try:
        yield svc
    finally:
        await svc.close()


@pytest.fixture
def worker(grt: Runtime) -> RoomOutbox:
    out: RoomOutbox = persister(grt, "w1")
    return out


@pytest.fixture
async def timer(grt: Runtime, gb: GroupBuyService) -> GroupTimer:
    return GroupTimer(grt, gb)


MakeDeal = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def make_deal(gb: GroupBuyService) -> MakeDeal:
    async def make(units: int = 10, *, size: int = 3, per_user: int = 1, fill_s: int = 600,
                   lasts_ms: int = 3_600_000, price: int = 4900) -> dict[str, Any]:
        spec = DealIn(product=PRODUCT, price=price, units=units, size=size, per_user=per_user, fill_s=fill_s,
                      ends_at=T0_MS + lasts_ms)
        return await gb.create(ROOM, spec, "h1")

    return make
