"""``GatewayCommerce``: the gateway's ``CommercePort`` (``livecore.gateway.ports``) backed by the services.

Purchases go to ``SalesService``; coupon claims go to ``CouponService``; lottery entries (explicit, by
keyword in a comment, by following the host) go to ``LotteryService``.
"""

from __future__ import annotations

from typing import Any

from ..core.outcome import Refusal
from ..runtime import Runtime
from .coupons import CouponService
from .lottery import LotteryService
from .sales import SalesService


class GatewayCommerce:
    def __init__(self, rt: Runtime, sales: SalesService | None = None) -> None:
        self.rt = rt
        self.sales = sales or SalesService(rt)
        self.coupons = CouponService(rt)
        self.lottery = LotteryService(rt)

    async def buy(self, room: str, user: str, sale: str, key: str, qty: int = 1) -> dict[str, Any] | Refusal:
        return await self.sales.buy(room, user, sale, key, qty)

    async def claim(self, room: str, user: str, batch: str, key: str) -> dict[str, Any] | Refusal:
        return await self.coupons.claim(room, user, batch, key)

    async def enter_lottery(self, room: str, user: str, lottery: str, watched_s: float) -> dict[str, Any] | Refusal:
        return await self.lottery.enter(room, user, lottery, watched_s)

    async def on_chat(self, room: str, user: str, text: str) -> None:
        await self.lottery.on_chat(room, user, text)

    async def on_follow(self, room: str, user: str) -> None:
        await self.lottery.on_follow(room, user)

    async def close(self) -> None:
        await self.sales.close()
        await self.coupons.close()
        await self.lottery.close()
