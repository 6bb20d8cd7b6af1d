"""``GatewayCommerce``: the gateway's ``CommercePort`` (``livecore.gateway.ports``) backed by the services.

Purchases go to ``SalesService``; coupon claims and lottery entries go to the promotions services, imported
lazily so that a gateway runs (answering ``unavailable`` for them) even where those modules are absent.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..runtime import Runtime
from .model import refused
from .sales import SalesService


class GatewayCommerce:
    def __init__(self, rt: Runtime, sales: SalesService | None = None) -> None:
        self.rt = rt
        self.sales = sales or SalesService(rt)
        self._coupons: Any = None
        self._lottery: Any = None

    async def buy(self, room: str, user: str, sale: str, key: str, qty: int = 1) -> dict[str, Any]:
        return await self.sales.buy(room, user, sale, key, qty)

    async def claim(self, room: str, user: str, batch: str, key: str) -> dict[str, Any]:
        coupons = self._service("coupons", "CouponService")
        if coupons is None:
            return refused("unavailable", "coupons are not available")
        return await coupons.claim(room, user, batch, key)  # type: ignore[no-any-return]

    async def enter_lottery(self, room: str, user: str, lottery: str, watched_s: float) -> dict[str, Any]:
        service = self._service("lottery", "LotteryService")
        if service is None:
            return refused("unavailable", "lotteries are not available")
        return await service.enter(room, user, lottery, watched_s)  # type: ignore[no-any-return]

    async def on_chat(self, room: str, user: str, text: str) -> None:
        service = self._service("lottery", "LotteryService")
        if service is not None:
            await service.on_chat(room, user, text)

    async def on_follow(self, room: str, user: str) -> None:
        service = self._service("lottery", "LotteryService")
        if service is not None:
            await service.on_follow(room, user)

    def _service(self, module: str, cls: str) -> Any:
        attr = "_coupons" if module == "coupons" else "_lottery"
        service = getattr(self, attr)
        if service is None:
            try:
                mod = importlib.import_module(f"livecore.commerce.{module}")
            except ImportError:
                return None
            service = getattr(mod, cls)(self.rt)
            setattr(self, attr, service)
        return service

    async def close(self) -> None:
        await self.sales.close()
        for service in (self._coupons, self._lottery):
            if service is not None and hasattr(service, "close"):
                await service.close()
