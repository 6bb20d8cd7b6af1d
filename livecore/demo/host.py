"""The demo's scripted host: seeds the room and then runs the show so the console always has something moving.

Every cycle it puts the next product on screen and starts a short flash sale for it; every other cycle it
opens a keyword lottery (drawn by the worker's timer when its window closes, or by the host), every third
cycle it issues a coupon batch. All through the public HTTP API with a host token of its own (user
``DEMO_HOST``), so its audit rows are marked as the demo's.

It yields to a person (``livecore.demo.yielding``): it makes no move while the console's switch (room state
``demo_host``, ``POST /api/rooms/{room}/demo/host``) is not ``running``, nor for ``quiet_s`` after a person's
host move, and looks again every ``poll_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .http import ApiRefused, call
from .yielding import last_person_move, should_move

DEMO_HOST = "demo-host"  # the scripted host's user id: its audit rows carry it as actor
DEMO_HOST_NAME = "演示脚本"
Caller = Callable[[str, str, Any], Awaitable[Any]]  # (method, path, body) -> decoded JSON answer

log = logging.getLogger(__name__)

PRODUCTS = (
    ("保温杯 500ml 316不锈钢", 5900, 9900, "cup"),
    ("羊毛围巾 秋冬加厚", 12900, 19900, "scarf"),
    ("明前龙井 250g", 16800, 22800, "tea"),
    ("丝绒哑光口红", 8900, 13900, "lipstick"),
    ("降噪蓝牙耳机", 19900, 29900, "earbuds"),
    ("每日坚果 30包", 6990, 9990, "snack"),
)


def seed_room(api: str, token: str, room: str) -> list[dict[str, Any]]:
    """Create the room (idempotent), fill an empty cart, and go live when not live yet."""
    call(api, "POST", "/api/rooms", {"id": room, "title": "春季上新 · 好物专场", "cover": "/assets/img/cover.svg",
                                     "words": ["假货", "骗子"]}, token)
    products = call(api, "GET", f"/api/rooms/{room}/products")
    if not products:
        for title, price, list_price, img in PRODUCTS:
            call(api, "POST", f"/api/rooms/{room}/products",
                 {"title": title, "price": price, "list_price": list_price, "image": f"/assets/img/{img}.svg"}, token)
        products = call(api, "GET", f"/api/rooms/{room}/products")
    with contextlib.suppress(ApiRefused):
        call(api, "POST", f"/api/rooms/{room}/live/start", {"title": "春季上新 · 好物专场"}, token)
    return list(products)


class ScriptedHost:
    def __init__(self, api: str, token: str, room: str, products: list[dict[str, Any]], *,
                 cycle_s: float = 30.0, quiet_s: float = 120.0, poll_s: float = 2.0,
                 caller: Caller | None = None) -> None:
        self.api = api
        self.token = token
        self.room = room
        self.products = products
        self.cycle_s = cycle_s
        self.quiet_s = quiet_s
        self.poll_s = poll_s
        self.caller = caller or self._http
        self.started_ms = int(time.time() * 1000)
        self.n = 0
        self.skipped = 0  # moves not made because the switch was off or a person was at the console

    async def _http(self, method: str, path: str, body: Any = None) -> Any:
        return await asyncio.to_thread(call, self.api, method, path, body, self.token)

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        return await self.caller(method, f"/api/rooms/{self.room}{path}", body)

    async def set_mode(self, mode: str) -> None:
        await self._call("POST", "/demo/host", {"mode": mode})

    async def may_move(self) -> bool:
        """The switch says ``running`` and no person has made a host move for ``quiet_s``."""
        card = await self._call("GET", "")
        rows = await self._call("GET", "/audit?n=100")
        last = last_person_move(rows, DEMO_HOST, self.started_ms)
        return should_move(card.get("demo_host"), last, int(time.time() * 1000), self.quiet_s)

    async def run(self, stop: asyncio.Event) -> None:
        with contextlib.suppress(ApiRefused, OSError):
            await self.set_mode("running")
        while not stop.is_set():
            wait = self.cycle_s
            try:
                if await self.may_move():
                    await self.cycle()
                else:
                    self.skipped += 1
                    wait = self.poll_s
            except (ApiRefused, OSError) as exc:
                log.warning("scripted host: %s", exc)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)

    async def cycle(self) -> None:
        if not self.products:
            return
        product = self.products[self.n % len(self.products)]
        self.n += 1
        await self._call("POST", f"/products/{product['id']}/push")
        now = int(time.time() * 1000)
        await self._call("POST", "/sales", {
            "product": product["id"], "sku": product["skus"][0]["id"] if product.get("skus") else "",
            "title": product["title"], "price": int(product["price"] * 0.7), "quantity": 20 + 10 * (self.n % 5),
            "per_user": 1, "starts_at": now + 3000, "ends_at": now + int(self.cycle_s * 1000) + 3000,
        })
        if self.n % 2 == 1:
            with contextlib.suppress(ApiRefused):  # one open lottery at a time
                await self._call("POST", "/lotteries", {"prize": product["title"], "winners": 2, "condition": "keyword",
                                                        "keyword": "想要", "duration_s": int(self.cycle_s * 1.5)})
        if self.n % 3 == 1:
            await self._call("POST", "/coupons", {"kind": "threshold", "amount": 2000, "threshold": 9900, "total": 50,
                                                  "per_user": 1, "duration_s": int(self.cycle_s * 3),
                                                  "valid_for_s": 86400, "title": "满99减20"})
