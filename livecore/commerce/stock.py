"""Throttled publishing of a sale's remaining stock as room state (``stock:<sale>``).

Under a purchase storm publishing after every buy would flood every gateway, so a process publishes a sale's
stock at most once per interval. The publish itself is a script that reads the current stock and publishes it
atomically, and a publish is always scheduled after the last buy a process made, so the final value always
goes out (from whichever process bought last).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.exceptions import RedisError

from ..runtime import Runtime
from .sale_keys import SaleKeys

log = logging.getLogger(__name__)


class StockPublisher:
    def __init__(self, rt: Runtime, interval_s: float = 0.05) -> None:
        self.rt = rt
        self.keys = SaleKeys(rt.keys)
        self.interval_s = interval_s
        self._last: dict[tuple[str, str], float] = {}
        self._pending: dict[tuple[str, str], asyncio.Task[None]] = {}

    def notify(self, room: str, sale: str) -> None:
        """The stock of ``sale`` changed; publish it soon (never awaits)."""
        key = (room, sale)
        if key in self._pending:
            return
        last = self._last.get(key)
        delay = 0.0 if last is None else max(0.0, last + self.interval_s - self.rt.clock.monotonic())
        self._pending[key] = asyncio.get_running_loop().create_task(self._later(key, delay))

    async def _later(self, key: tuple[str, str], delay: float) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
        finally:
            # a buy finishing from here on schedules another publish, which will read a newer value
            self._pending.pop(key, None)
        self._last[key] = self.rt.clock.monotonic()
        try:
            await self.publish_now(*key)
        except (RedisError, OSError) as exc:
            log.warning("stock publish for %s failed: %s", key, exc)

    async def publish_now(self, room: str, sale: str) -> int:
        return int(await self.rt.scripts.call(
            "sale_publish_stock",
            keys=[self.keys.stock(room, sale), self.rt.keys.room_state(room), self.keys.sale(room, sale)],
            args=[self.rt.keys.room_channel(room), f"stock:{sale}", self.rt.bus.state_ttl_s],
        ))

    async def flush(self) -> None:
        """Wait for every scheduled publish (tests, shutdown)."""
        while self._pending:
            tasks = list(self._pending.values())
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*tasks, return_exceptions=True)
