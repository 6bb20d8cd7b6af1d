"""Non-blocking producer of the interaction log.

``emit`` never awaits: it puts the interaction into a bounded local buffer and returns. A background task
drains the buffer in pipelined ``XADD ... MAXLEN ~`` batches. When Redis is slow or down the buffer fills and
further interactions are dropped and counted, so the gateway's hot path never waits on analytics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..keys import Keys
from .model import Interaction, encoder

log = logging.getLogger(__name__)


class InteractionLog:
    def __init__(self, redis: Redis, keys: Keys, *, maxlen: int = 200_000, buffer: int = 50_000,
                 batch: int = 500) -> None:
        self.redis = redis
        self.keys = keys
        self.maxlen = maxlen
        self.capacity = buffer
        self.batch = batch
        self.dropped = 0
        self.appended = 0
        self._buffer: deque[Interaction] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._known_rooms: set[str] = set()

    def emit(self, interaction: Interaction) -> bool:
        if len(self._buffer) >= self.capacity:
            self.dropped += 1
            return False
        self._buffer.append(interaction)
        self._wake.set()
        return True

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="interaction-log")

    async def close(self, timeout: float = 2.0) -> None:
        """Flush what is buffered (up to ``timeout``) and stop."""
        if self._task is None:
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._drain_all(), timeout)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _drain_all(self) -> None:
        while self._buffer:
            await self.flush()

    async def _run(self) -> None:
        backoff = 0.05
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._buffer:
                try:
                    await self.flush()
                    backoff = 0.05
                except (RedisError, OSError) as exc:
                    log.warning("interaction log: redis unavailable (%s); %d buffered", exc, len(self._buffer))
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 2.0)

    async def flush(self) -> int:
        """Append up to one batch; on failure the batch goes back to the front of the buffer."""
        items = [self._buffer.popleft() for _ in range(min(self.batch, len(self._buffer)))]
        if not items:
            return 0
        try:
            pipe = self.redis.pipeline(transaction=False)
            new_rooms = []
            for it in items:
                pipe.xadd(self.keys.interactions(it.room), {"i": encoder.encode(it)},
                          maxlen=self.maxlen, approximate=True)
                if it.room not in self._known_rooms:
                    new_rooms.append(it.room)
            if new_rooms:
                pipe.sadd(self.keys.global_key("ix", "rooms"), *new_rooms)
            await pipe.execute()
        except BaseException:
            self._buffer.extendleft(reversed(items))
            raise
        self._known_rooms.update(it.room for it in items)
        self.appended += len(items)
        return len(items)
