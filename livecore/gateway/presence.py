"""Presence across gateway processes.

Each process writes its local viewer count per room into the room's presence hash under its node id, as
``<count>:<expires_ms>``, refreshed every ``interval_s`` and valid for ``ttl_s``: a dead node's count stops
counting once it expires (and is pruned), with no coordination. Online = sum of the live fields. Unique
viewers go into a HyperLogLog, the peak online into a plain integer key raised optimistically (WATCH).
The figures are published as room state (``online``, ``peak``, ``uv``; latest value wins) when they
change, never as per-join broadcasts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError, WatchError

from ..broker.room_bus import RoomBus
from ..clock import Clock
from ..core.presence import online_from
from ..keys import Keys

log = logging.getLogger(__name__)


class Presence:
    def __init__(self, redis: Redis, keys: Keys, bus: RoomBus, clock: Clock, node: str, *,
                 interval_s: float = 1.0, ttl_s: float = 15.0) -> None:
        self.redis = redis
        self.keys = keys
        self.bus = bus
        self.clock = clock
        self.node = node
        self.interval_s = interval_s
        self.ttl_s = ttl_s
        self.counts: dict[str, int] = {}
        self._visitors: dict[str, set[str]] = {}
        self._published: dict[str, dict[str, int]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.failures = 0

    def joined(self, room: str, user: str) -> None:
        first = room not in self.counts or self.counts[room] == 0
        self.counts[room] = self.counts.get(room, 0) + 1
        self._visitors.setdefault(room, set()).add(user)
        if first:
            self._wake.set()  # a new room here: publish its figures now, not in up to a second

    def left(self, room: str) -> None:
        if room in self.counts:
            self.counts[room] = max(0, self.counts[room] - 1)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="presence")

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_s)
            self._wake.clear()
            try:
                await self.sync()
            except (RedisError, OSError) as exc:
                self.failures += 1
                log.warning("presence sync failed: %s", exc)

    async def sync(self) -> dict[str, dict[str, int]]:
        """Write this node's counts, read everyone's, publish what changed. Returns the figures."""
        rooms = list(self.counts)
        if not rooms:
            return {}
        now_ms = int(self.clock.now() * 1000)
        expires = now_ms + int(self.ttl_s * 1000)
        visitors, self._visitors = self._visitors, {}
        pipe = self.redis.pipeline(transaction=False)
        for room in rooms:
            key = self.keys.room_presence(room)
            count = self.counts[room]
            if count:
                pipe.hset(key, self.node, f"{count}:{expires}")
                pipe.pexpire(key, int(self.ttl_s * 1000) * 4)
            else:
                pipe.hdel(key, self.node)
                pipe.execute_command("EXISTS", key)  # a cluster pipeline has no exists()
            if visitors.get(room):
                pipe.pfadd(self.keys.room_uv(room), *visitors[room])
            else:
                pipe.execute_command("EXISTS", key)
            pipe.hgetall(key)
            pipe.execute_command("PFCOUNT", self.keys.room_uv(room))  # cluster pipelines: no pfcount()
            pipe.get(self.keys.room_peak(room))
        try:
            results = await pipe.execute()
        except BaseException:
            for room, users in visitors.items():  # retry the unique visitors next time
                self._visitors.setdefault(room, set()).update(users)
            raise
        figures: dict[str, dict[str, int]] = {}
        prune = self.redis.pipeline(transaction=False)
        pruning = False
        for i, room in enumerate(rooms):
            fields, uv, peak_raw = results[i * 6 + 3: i * 6 + 6]
            online, stale = online_from(fields, now_ms)
            if stale:
                prune.hdel(self.keys.room_presence(room), *stale)
                pruning = True
            peak = int(peak_raw or 0)
            if online > peak:
                peak = await self._raise_peak(room, online)
            figures[room] = {"online": online, "peak": peak, "uv": int(uv)}
        if pruning:
            await prune.execute()
        for room, figure in figures.items():
            if self._published.get(room) != figure:
                await self.bus.set_state(room, figure)
                self._published[room] = figure
            if self.counts.get(room) == 0:  # nobody here any more: stop reporting the room
                del self.counts[room]
                self._published.pop(room, None)
        return figures

    async def _raise_peak(self, room: str, online: int) -> int:
        key = self.keys.room_peak(room)
        async with self.redis.pipeline(transaction=True) as pipe:
            for _ in range(5):
                try:
                    await pipe.watch(key)
                    current = int(await pipe.get(key) or 0)
                    if current >= online:
                        await pipe.unwatch()
                        return current
                    pipe.multi()
                    pipe.set(key, online, ex=7 * 86400)
                    await pipe.execute()
                    return online
                except WatchError:
                    continue
        return online

    async def close(self) -> None:
        """Withdraw this node's counts at once (a graceful stop should not wait for the TTL)."""
        task, self._task = self._task, None
        if task is not None:
            # a cancel that lands while the sync's Redis call is finishing can be absorbed by the client
            # library, so the loop also stops on the flag, and the wait is bounded
            self._stopping = True
            self._wake.set()
            task.cancel()
            await asyncio.wait({task}, timeout=self.interval_s + 1.0)
        for room in self.counts:
            self.counts[room] = 0
        with contextlib.suppress(RedisError, OSError):
            await self.sync()
