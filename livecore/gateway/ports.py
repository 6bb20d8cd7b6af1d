"""How the gateway calls other services off the hot path."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)


class Background:
    """A bounded queue of fire-and-forget calls run by a few worker tasks.

    The barrage path hands notifications (``on_chat``, ``on_follow``) here and moves on; when the queue is
    full the call is dropped and counted rather than slowing the viewer down.
    """

    def __init__(self, capacity: int = 10_000, workers: int = 4) -> None:
        self._queue: asyncio.Queue[tuple[Callable[..., Awaitable[Any]], tuple[Any, ...]]] = asyncio.Queue(capacity)
        self._workers = workers
        self._tasks: list[asyncio.Task[None]] = []
        self.done = 0
        self.failed = 0
        self.dropped = 0

    def start(self) -> None:
        if not self._tasks:
            self._tasks = [asyncio.get_running_loop().create_task(self._run(), name=f"background-{i}")
                           for i in range(self._workers)]

    def submit(self, fn: Callable[..., Awaitable[Any]], *args: Any) -> bool:
        try:
            self._queue.put_nowait((fn, args))
        except asyncio.QueueFull:
            self.dropped += 1
            return False
        return True

    async def _run(self) -> None:
        while True:
            fn, args = await self._queue.get()
            try:
                await fn(*args)
                self.done += 1
            except Exception as exc:  # counted and logged; one failing call must not stop the others
                self.failed += 1
                log.warning("background call %s failed: %s", getattr(fn, "__name__", fn), exc)
            finally:
                self._queue.task_done()

    async def close(self, timeout: float = 2.0) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._queue.join(), timeout)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
