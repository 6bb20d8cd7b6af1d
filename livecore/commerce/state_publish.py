"""``StatePublisher``: latest-value-wins room state published at most once per interval per field (coupon
batches, the lottery)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..runtime import Runtime

log = logging.getLogger(__name__)

SKIP = object()  # a read answering this publishes nothing


def ms(seconds: float) -> int:
    return round(seconds * 1000)


class StatePublisher:
    """Publishes a latest-value-wins room state field at most once per ``interval_s`` per field.

    ``mark`` is cheap and never waits: it schedules one flush per field; the flush reads the *current* value
    when it runs, so the last change always goes out. Flushes of one field are serialized (a lock per field)
    so an older read is never published after a newer one; ``publish_now`` goes through the same lock.
    """

    def __init__(self, rt: Runtime, interval_s: float = 0.05) -> None:
        self.rt = rt
        self.interval_s = interval_s
        self._pending: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._last: dict[tuple[str, str], float] = {}

    def mark(self, room: str, field: str, read: Callable[[], Awaitable[Any]]) -> None:
        key = (room, field)
        if key in self._pending:
            return
        self._pending[key] = asyncio.get_running_loop().create_task(self._flush(key, read))

    async def publish_now(self, room: str, field: str, read: Callable[[], Awaitable[Any]]) -> None:
        await self._publish((room, field), read)

    async def _flush(self, key: tuple[str, str], read: Callable[[], Awaitable[Any]]) -> None:
        loop = asyncio.get_running_loop()
        delay = self._last.get(key, float("-inf")) + self.interval_s - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        self._pending.pop(key, None)  # before reading: a change after the read schedules another flush
        try:
            await self._publish(key, read)
        except Exception:
            log.exception("could not publish state %s of room %s", key[1], key[0])

    async def _publish(self, key: tuple[str, str], read: Callable[[], Awaitable[Any]]) -> None:
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            self._last[key] = asyncio.get_running_loop().time()
            value = await read()
            if value is not SKIP:
                await self.rt.bus.set_state(key[0], {key[1]: value})

    async def drain(self) -> None:
        """Wait until every scheduled flush has gone out (tests, shutdown)."""
        while self._pending:
            await asyncio.gather(*list(self._pending.values()), return_exceptions=True)

    async def close(self) -> None:
        for task in self._pending.values():
            task.cancel()
        for task in list(self._pending.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._pending.clear()
