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

    Other processes publish the same fields, and their read-then-write can interleave with this one's, so an
    older value can land last in Redis. So ``settle_s`` after a field's last flush it is read and published
    once more: when the changes stop, the last process to have seen one writes what Redis holds then. (The
    gateways' tick merger leaves an unchanged value out of the viewers' frames, so a settle that changes
    nothing costs a read and a write, not a frame per viewer.)
    """

    def __init__(self, rt: Runtime, interval_s: float = 0.05, settle_s: float = 1.0) -> None:
        self.rt = rt
        self.interval_s = interval_s
        self.settle_s = settle_s
        self._settles: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._pending: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._last: dict[tuple[str, str], float] = {}
        self._flushing: set[asyncio.Task[None]] = set()

    def mark(self, room: str, field: str, read: Callable[[], Awaitable[Any]]) -> None:
        key = (room, field)
        if key in self._pending:
            return
        task = self._pending[key] = asyncio.get_running_loop().create_task(self._flush(key, read))
        self._flushing.add(task)  # until it has published: it leaves _pending before it reads
        task.add_done_callback(self._flushing.discard)

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
        if self.settle_s > 0:
            previous = self._settles.pop(key, None)
            if previous is not None:
                previous.cancel()
            self._settles[key] = loop.create_task(self._settle(key, read))

    async def _settle(self, key: tuple[str, str], read: Callable[[], Awaitable[Any]]) -> None:
        await asyncio.sleep(self.settle_s)
        if self._settles.get(key) is asyncio.current_task():
            del self._settles[key]
        if key in self._pending:  # a newer change: its flush settles in turn
            return
        try:
            await self._publish(key, read)
        except Exception as exc:
            log.warning("could not settle state %s of room %s: %r", key[1], key[0], exc)

    async def _publish(self, key: tuple[str, str], read: Callable[[], Awaitable[Any]]) -> None:
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            self._last[key] = asyncio.get_running_loop().time()
            value = await read()
            if value is not SKIP:
                await self.rt.bus.set_state(key[0], {key[1]: value})

    async def drain(self) -> None:
        """Wait until every scheduled flush has gone out (tests, shutdown), also one already reading."""
        while self._flushing:
            await asyncio.gather(*list(self._flushing), return_exceptions=True)

    async def close(self) -> None:
        tasks = [*self._flushing, *self._settles.values()]  # every pending flush is among the flushing
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._pending.clear()
        self._settles.clear()
