"""Lossy room events published in batches: every PUBLISH asked for during one event-loop iteration goes
out in one pipelined round trip.

Under load many viewers' chats arrive in the same iteration; one pipeline instead of one round trip each
saves a write syscall and the client's per-command overhead per message, on the gateway's busiest path.
Callers still await their own message (the chat's ``result`` goes out only once Redis took it).
"""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis

from ..broker import wire
from ..keys import Keys


class BatchPublisher:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys
        self._batch: list[tuple[str, bytes, asyncio.Future[None]]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self.batches = 0
        self.published = 0

    def publish(self, room: str, event_json: bytes, lane: wire.Lane) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        if not self._batch:
            loop.call_soon(self._flush)
        self._batch.append((self.keys.room_channel(room), wire.encode_lossy(lane, event_json), future))
        return future

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if batch:
            task = asyncio.get_running_loop().create_task(self._send(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, batch: list[tuple[str, bytes, asyncio.Future[None]]]) -> None:
        try:
            pipe = self.redis.pipeline(transaction=False)
            for channel, message, _ in batch:
                pipe.execute_command("PUBLISH", channel, message)  # a cluster pipeline has no publish()
            await pipe.execute()
        except Exception as exc:
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        self.batches += 1
        self.published += len(batch)
        for _, _, future in batch:
            if not future.done():
                future.set_result(None)
