"""The product on screen (讲解中): the room's ``product`` state and a reliable ``ProductEvent`` each change."""

from __future__ import annotations

from typing import Any

from ..protocol.events import ProductEvent
from ..runtime import Runtime


def screen_of(product: dict[str, Any], now_ms: int) -> dict[str, Any]:
    """What viewers see of a cart product put on screen at ``now_ms``."""
    sku = product["skus"][0]["id"] if product["skus"] else None
    return {"id": product["id"], "title": product["title"], "image": product["image"], "price": product["price"],
            "list_price": product["list_price"], "sku": sku, "since": now_ms}


class Screen:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def _now_ms(self) -> int:
        return int(self.rt.clock.now() * 1000)

    async def show(self, room: str, product: dict[str, Any] | None) -> dict[str, Any] | None:
        """Put ``product`` on screen (``None``: nothing); answers what viewers see."""
        shown = screen_of(product, self._now_ms()) if product is not None else None
        await self.rt.bus.set_state(room, {"product": shown})
        await self.rt.bus.publish_reliable(room, ProductEvent(ts=self._now_ms(), product=shown))
        return shown

    async def on_screen(self, room: str) -> str | None:
        """The id of the product on screen, if any."""
        return ((await self.rt.bus.state(room)).get("product") or {}).get("id")

    async def refresh(self, room: str, product: dict[str, Any]) -> None:
        """A changed product that is on screen shows its new title and price (state only: no new moment)."""
        if await self.on_screen(room) == product["id"]:
            await self.rt.bus.set_state(room, {"product": screen_of(product, self._now_ms())})

    async def removed(self, room: str, pid: str) -> None:
        """A product taken out of the cart leaves the screen."""
        if await self.on_screen(room) == pid:
            await self.show(room, None)
