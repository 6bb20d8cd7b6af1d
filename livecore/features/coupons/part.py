"""The gateway's part of coupons: ``claim`` goes to ``CouponService``."""

from __future__ import annotations

from ...runtime import Runtime
from ..base import Answer, Ask, Part
from .messages import Claim
from .service import CouponService


class CouponsPart(Part):
    def __init__(self, rt: Runtime) -> None:
        self.coupons = CouponService(rt)

    async def handle(self, ask: Ask, msg: Claim) -> Answer:
        return await self.coupons.claim(ask.room, ask.user, msg.batch, msg.key)

    async def close(self) -> None:
        await self.coupons.close()
