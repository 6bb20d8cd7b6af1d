"""The gateway's part of flash sales: ``buy`` goes to ``SalesService`` (its fast path and batcher)."""

from __future__ import annotations

from collections.abc import Awaitable

from ...commerce.sales import SalesService
from ...runtime import Runtime
from ..base import Answer, Ask, Part
from .messages import Buy


class SalesPart(Part):
    def __init__(self, rt: Runtime, sales: SalesService | None = None) -> None:
        self.sales = sales or SalesService(rt)

    def handle(self, ask: Ask, msg: Buy) -> Awaitable[Answer]:
        return self.sales.buy(ask.room, ask.user, msg.sale, msg.key, msg.qty)  # its coroutine: one frame fewer

    async def close(self) -> None:
        await self.sales.close()
