"""The gateway's part of flash sales: ``buy`` goes to ``SalesService`` (its fast path and batcher)."""

from __future__ import annotations

from ...commerce.sales import SalesService
from ...runtime import Runtime
from ..base import Answer, Ask, Part
from .messages import Buy


class SalesPart(Part):
    def __init__(self, rt: Runtime, sales: SalesService | None = None) -> None:
        self.sales = sales or SalesService(rt)

    async def handle(self, ask: Ask, msg: Buy) -> Answer:
        return await self.sales.buy(ask.room, ask.user, msg.sale, msg.key, msg.qty)

    async def close(self) -> None:
        await self.sales.close()
