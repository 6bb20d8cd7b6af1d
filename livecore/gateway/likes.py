"""Likes aggregated per tick: a viewer's tap bursts become one INCRBY per room per tick and one ``likes``
state update (latest value wins), however many viewers are tapping."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..broker.room_bus import RoomBus
from ..keys import Keys

log = logging.getLogger(__name__)


def likes_key(keys: Keys, room: str) -> str:
    return keys.room(room, "likes")


class LikeAggregator:
    def __init__(self, redis: Redis, keys: Keys, bus: RoomBus, *, interval_s: float = 0.1) -> None:
        self.redis = redis
        self.keys = keys
        self.bus = bus
        self.interval_s = interval_s
        self._pending: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None
        self.flushed = 0
        self.failures = 0

    def add(self, room: str, count: int) -> None:
        self._pending[room] = self._pending.get(room, 0) + count

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="likes")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.flush()
            except (RedisError, OSError) as exc:
                self.failures += 1
                log.warning("likes flush failed: %s", exc)

    async def flush(self) -> dict[str, int]:
        """Add pending likes to each room's counter and publish the totals; returns them."""
        if not self._pending:
            return {}
        pending, self._pending = self._pending, {}
        pipe = self.redis.pipeline(transaction=False)
        for room, count in pending.items():
            pipe.incrby(likes_key(self.keys, room), count)
        try:
            totals = await pipe.execute()
        except BaseException:
            for room, count in pending.items():
                self.add(room, count)
            raise
        out = dict(zip(pending, (int(t) for t in totals), strict=True))
        await self.bus.set_states([(room, {"likes": total}) for room, total in out.items()])
        self.flushed += sum(pending.values())
        return out

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(RedisError, OSError):
            await self.flush()
