"""Time-driven commerce sweeps: unpaid orders past their payment window, and sale start/end announcements.

Both are safe to run in several worker processes at once: every decision is a script (``order_expire.lua``,
``sale_advance.lua``) that acts once, whoever calls it first.
"""

from __future__ import annotations

import asyncio

from .. import replies
from ..commerce.orders import OrderService
from ..commerce.sale_keys import SaleKeys
from ..commerce.sales import SalesService
from ..runtime import Runtime
from .outbox import _loop


class PaymentTimeouts:
    """Expires the reserved orders of every room whose payment deadline has passed."""

    def __init__(self, rt: Runtime, orders: OrderService | None = None) -> None:
        self.rt = rt
        self.orders = orders or OrderService(rt)
        self.keys = SaleKeys(rt.keys)
        self.expired = 0

    async def run_once(self) -> int:
        n = 0
        for room in await self.rt.redis.smembers(self.keys.order_rooms()):
            n += await self.orders.sweep(replies.text(room))
        self.expired += n
        return n

    def figures(self) -> dict[str, int]:
        return {"expired": self.expired}

    async def run(self, stop: asyncio.Event, idle_s: float = 0.5) -> None:
        try:
            await _loop(self.run_once, stop, idle_s, "payment timeouts")
        finally:
            await self.orders.stock.flush()


class SaleScheduler:
    """Announces scheduled sales when they start and every sale when it ends (``SaleEvent``)."""

    def __init__(self, rt: Runtime, sales: SalesService | None = None) -> None:
        self.rt = rt
        self.sales = sales or SalesService(rt)
        self.announced = 0  # phases moved (started, ended, retired)

    async def run_once(self) -> int:
        n = 0
        for room, sale in await self.sales.due():
            if await self.sales.advance(room, sale):
                n += 1
        self.announced += n
        return n

    def figures(self) -> dict[str, int]:
        return {"announced": self.announced}

    async def run(self, stop: asyncio.Event, idle_s: float = 0.1) -> None:
        await _loop(self.run_once, stop, idle_s, "sale scheduler")


def payment_timeouts(rt: Runtime, consumer: str) -> PaymentTimeouts:
    return PaymentTimeouts(rt)


def sale_scheduler(rt: Runtime, consumer: str) -> SaleScheduler:
    return SaleScheduler(rt)
