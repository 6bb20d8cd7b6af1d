"""Commerce fixtures: a runtime on a manual clock (sale windows and payment deadlines are probed to the
millisecond), and the sales/order services built on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from livecore.api.app import build_app
from livecore.clock import ManualClock
from livecore.commerce.model import SaleSpec
from livecore.commerce.orders import OrderService
from livecore.commerce.sales import SalesService
from livecore.config import Settings
from livecore.features.gateway_set import FeatureSet
from livecore.gateway.server import Gateway
from livecore.runtime import Runtime, open_runtime

T0 = 1_800_000_000.0  # seconds; every commerce test starts here


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=T0)


@pytest.fixture
async def crt(settings: Settings, migrated: str, redis, clock: ManualClock) -> AsyncIterator[Runtime]:  # type: ignore[no-untyped-def]
    async with open_runtime(settings, clock=clock, db_max_size=20) as rt:
        yield rt


@pytest.fixture
async def sales(crt: Runtime) -> AsyncIterator[SalesService]:
    svc = SalesService(crt)
    try:
        yield svc
    finally:
        await svc.close()


@pytest.fixture
async def orders(crt: Runtime, sales: SalesService) -> OrderService:
    return OrderService(crt, sales.stock)


@pytest.fixture
def make_spec():  # type: ignore[no-untyped-def]
    """A function building a sale spec relative to T0 (windows in ms)."""
    return spec


def spec(quantity: int = 10, *, price: int = 1999, per_user: int = 1, starts_in_ms: int | None = None,
         lasts_ms: int = 3_600_000, **kw) -> SaleSpec:  # type: ignore[no-untyped-def]
    now = int(T0 * 1000)
    starts = None if starts_in_ms is None else now + starts_in_ms
    return SaleSpec(product=kw.pop("product", "p1"), price=price, quantity=quantity, per_user=per_user,
                    starts_at=starts, ends_at=(starts or now) + lasts_ms, **kw)


@pytest.fixture
async def client(settings: Settings, migrated: str, redis) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """The promotions routes in-process with their lifespan (the sales tests bring their own app)."""
    app = build_app(settings, modules=["livecore.features.coupons.routes", "livecore.features.lottery.routes"])
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as c):
        yield c
        # the lifespan closes the services the routes made


@pytest.fixture
async def gateway(settings: Settings, redis, rooms) -> AsyncIterator[Gateway]:  # type: ignore[no-untyped-def]
    """A gateway with every registered feature's real part (it closes them when it stops)."""
    async with open_runtime(settings.with_(tick_ms=50), database=False) as rt:
        gw = Gateway(rt, features=FeatureSet.open(rt))
        await gw.start("127.0.0.1", 0)
        try:
            yield gw
        finally:
            await gw.stop()
