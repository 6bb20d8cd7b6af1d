"""A consumer-group reader that persists a Redis Stream (an outbox) to PostgreSQL, exactly once in effect.

* The handler writes a batch in **one transaction** with ``ON CONFLICT DO NOTHING`` (the stream entry carries
  ids decided in Redis), and entries are ``XACK``ed only **after the commit**: a consumer dying anywhere
  leaves its entries pending, and replaying an entry that was already committed is a no-op.
* Entries left pending by a dead consumer are taken over with ``XAUTOCLAIM`` once idle for ``claim_idle_ms``;
  a consumer restarting under the same name re-reads its own pending entries first.
* A batch that fails for a reason other than the database being unreachable is retried entry by entry; an
  entry that still fails once it has been delivered ``dead_letter_after`` times goes to ``<stream>:dead`` and
  the ``dead_letters`` table, and is acknowledged, so one poison entry never blocks the stream.
* While PostgreSQL is down nothing is read or claimed (delivery counts stay honest); Redis keeps buffering.

``RoomOutbox`` runs one ``OutboxConsumer`` per room stream, discovering rooms from a global set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

import asyncpg
from redis.exceptions import RedisError, ResponseError
from redis.typing import EncodableT, FieldT

from .. import replies
from ..durability import confirm
from ..runtime import Runtime

log = logging.getLogger(__name__)

Entry = tuple[str, dict[bytes, bytes]]
Handler = Callable[[asyncpg.Connection, list[Entry]], Awaitable[None]]

# the database is unreachable or went away mid-batch: retry later, never count it against an entry
TRANSIENT_DB_ERRORS: tuple[type[BaseException], ...] = (
    OSError, ConnectionError, asyncio.TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError, asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
)


PRUNE_EVERY_S = 60.0  # how often a room outbox looks for departed consumers in its groups

class OutboxConsumer:
    def __init__(self, rt: Runtime, stream: str, group: str, consumer: str, handler: Handler, *,
                 batch: int | None = None, claim_idle_ms: int = 30_000, dead_letter_after: int | None = None,
                 block_ms: int | None = None, acquire_timeout_s: float = 5.0) -> None:
        self.rt = rt
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self.handler = handler
        self.batch = batch or rt.settings.worker_batch
        self.claim_idle_ms = claim_idle_ms
        self.dead_letter_after = dead_letter_after or rt.settings.dead_letter_after
        self.block_ms = block_ms
        self.acquire_timeout_s = acquire_timeout_s
        self.dead_stream = stream + ":dead"
        self.persisted = 0
        self.dead_lettered = 0
        self.db_unavailable = 0  # batches that found PostgreSQL down (their entries stay in Redis)
        self.groups_recreated = 0  # times the group was found missing and created again
        self._group_ready = False
        self._own_pending = True  # re-read our own pending entries first (restart under the same name)
        self._claim_cursor = "0-0"
        self._next_claim = 0.0

    async def ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            await self.rt.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    def lost_group(self) -> None:
        """The stream or its group vanished (a Redis that came back empty, a flushed key): start over."""
        self._group_ready = False
        self._own_pending = True
        self._claim_cursor = "0-0"
        self._next_claim = 0.0
        self.groups_recreated += 1

    async def run_once(self) -> int:
        """Handle one batch; returns how many entries were acknowledged (persisted or dead-lettered)."""
        if self.rt.db is None:
            raise RuntimeError("the outbox consumer needs a database pool")
        try:
            conn = await self.rt.db.acquire(timeout=self.acquire_timeout_s)
        except TRANSIENT_DB_ERRORS as exc:
            log.warning("%s: database unavailable (%s); entries stay buffered in Redis", self.stream, exc)
            self.db_unavailable += 1
            return 0
        try:
            await self.ensure_group()
            try:
                entries, gone = await self._next_entries()
            except ResponseError as exc:
                if not is_nogroup(exc):
                    raise
                self.lost_group()
                log.warning("%s: consumer group %s is gone (Redis came back empty?); recreating it", self.stream,
                            self.group)
                await self.ensure_group()
                return 0
            if gone:
                await self.rt.redis.xack(self.stream, self.group, *gone)
            if not entries:
                return len(gone)
            if not await confirm(self.rt.redis, self.rt.durability):
                # LIVECORE_DURABILITY=replica|fsync: persist only what a failover cannot take back, or a lost
                # order could be in PostgreSQL while its key, gone from Redis, sells again
                log.warning("%s: %d entries not yet confirmed by %s; they stay pending", self.stream, len(entries),
                            self.rt.durability.mode)
                self._own_pending = True
                return 0
            try:
                async with conn.transaction():
                    await self.handler(conn, entries)
            except TRANSIENT_DB_ERRORS as exc:
                log.warning("%s: database lost mid-batch (%s); %d entries stay pending", self.stream, exc,
                            len(entries))
                self.db_unavailable += 1
                self._own_pending = True
                return 0
            except Exception as exc:
                log.warning("%s: batch of %d failed (%r); retrying entry by entry", self.stream, len(entries), exc)
                return len(gone) + await self._one_by_one(conn, entries)
            await self.rt.redis.xack(self.stream, self.group, *[entry_id for entry_id, _ in entries])
            self.persisted += len(entries)
            return len(gone) + len(entries)
        finally:
            with contextlib.suppress(Exception):
                await self.rt.db.release(conn)

    async def _next_entries(self) -> tuple[list[Entry], list[str]]:
        """Our own pending entries first, then idle entries of other consumers, then new entries."""
        redis = self.rt.redis
        if self._own_pending:
            reply = replies.streams(await redis.xreadgroup(self.group, self.consumer, {self.stream: "0"},
                                                           count=self.batch))
            entries, gone = _split(reply[0][1] if reply else [])
            if entries or gone:
                return entries, gone
            self._own_pending = False
        loop = asyncio.get_running_loop()
        if loop.time() >= self._next_claim:
            cursor, claimed, *_ = await redis.xautoclaim(self.stream, self.group, self.consumer,
                                                         min_idle_time=self.claim_idle_ms,
                                                         start_id=self._claim_cursor, count=self.batch)
            self._claim_cursor = replies.text(cursor)
            if self._claim_cursor == "0-0":  # scanned the whole pending list; look again a bit later
                self._next_claim = loop.time() + max(0.05, self.claim_idle_ms / 4000)
            entries, gone = _split(replies.entries(claimed))
            if entries or gone:
                return entries, gone
        reply = replies.streams(await redis.xreadgroup(self.group, self.consumer, {self.stream: ">"},
                                                       count=self.batch, block=self.block_ms))
        return _split(reply[0][1] if reply else [])

    async def _one_by_one(self, conn: asyncpg.Connection, entries: list[Entry]) -> int:
        done = 0
        for entry_id, fields in entries:
            try:
                async with conn.transaction():
                    await self.handler(conn, [(entry_id, fields)])
            except TRANSIENT_DB_ERRORS as exc:
                log.warning("%s: database lost (%s)", self.stream, exc)
                self._own_pending = True
                return done
            except Exception as exc:
                deliveries = await self._deliveries(entry_id)
                if deliveries < self.dead_letter_after:
                    log.warning("%s: entry %s failed (delivery %d of %d): %r", self.stream, entry_id, deliveries,
                                self.dead_letter_after, exc)
                    continue  # stays pending; XAUTOCLAIM delivers it again after claim_idle_ms
                await self._dead_letter(conn, entry_id, fields, deliveries, exc)
                done += 1
                continue
            await self.rt.redis.xack(self.stream, self.group, entry_id)
            self.persisted += 1
            done += 1
        return done

    async def _deliveries(self, entry_id: str) -> int:
        rows = await self.rt.redis.xpending_range(self.stream, self.group, min=entry_id, max=entry_id, count=1)
        return int(rows[0]["times_delivered"]) if rows else 1

    async def _dead_letter(self, conn: asyncpg.Connection, entry_id: str, fields: dict[bytes, bytes],
                           deliveries: int, exc: BaseException) -> None:
        text = {replies.text(k): v.decode("utf-8", "replace") for k, v in fields.items()}
        error = repr(exc)[:1000]
        log.error("%s: dead-lettering entry %s after %d deliveries: %s", self.stream, entry_id, deliveries, error)
        await conn.execute(
            """INSERT INTO dead_letters (stream, entry_id, group_name, deliveries, fields, error)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
            self.stream, entry_id, self.group, deliveries, text, error)
        # bytes keys are redis-py fields; the cast only widens the (invariant) key type
        dead: dict[FieldT, EncodableT] = {**cast("dict[FieldT, EncodableT]", fields), b"_id": entry_id,
                                          b"_group": self.group, b"_deliveries": str(deliveries), b"_error": error}
        await self.rt.redis.xadd(self.dead_stream, dead)
        await self.rt.redis.xack(self.stream, self.group, entry_id)
        self.dead_lettered += 1

    async def run(self, stop: asyncio.Event, idle_s: float = 0.2) -> None:
        await _loop(self.run_once, stop, idle_s, self.stream)


def is_nogroup(exc: BaseException) -> bool:
    """``NOGROUP``: the consumer group, or the whole stream, does not exist (any more)."""
    return isinstance(exc, ResponseError) and "NOGROUP" in str(exc)


def _split(raw: Sequence[tuple[bytes, replies.Fields | None]]) -> tuple[list[Entry], list[str]]:
    """Entries with their fields, and ids whose entry was trimmed or deleted (nothing left to persist)."""
    entries: list[Entry] = []
    gone: list[str] = []
    for entry_id, fields in raw:
        if fields:
            entries.append((replies.text(entry_id), fields))
        else:
            gone.append(replies.text(entry_id))
    return entries, gone


async def _loop(step: Callable[[], Awaitable[int]], stop: asyncio.Event, idle_s: float, what: str) -> None:
    backoff = idle_s
    while not stop.is_set():
        try:
            n = await step()
            backoff = idle_s
        except (RedisError, OSError) as exc:
            log.warning("%s: redis unavailable (%s)", what, exc)
            n = 0
            backoff = min(backoff * 2, 5.0)
        if n == 0:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff)


class RoomOutbox:
    """One ``OutboxConsumer`` per room stream; rooms are discovered from the set ``rooms_key``."""

    def __init__(self, rt: Runtime, rooms_key: str, stream_of: Callable[[str], str], group: str, consumer: str,
                 handler: Handler, *, refresh_s: float = 2.0, **options: Any) -> None:
        self.rt = rt
        self.rooms_key = rooms_key
        self.stream_of = stream_of
        self.group = group
        self.consumer_name = consumer
        self.handler = handler
        self.refresh_s = refresh_s
        self.options = options
        self.consumers: dict[str, OutboxConsumer] = {}
        self._next_refresh = 0.0
        self._next_prune = 0.0

    async def refresh(self) -> None:
        rooms = {replies.text(r) for r in await self.rt.redis.smembers(self.rooms_key)}
        for room in rooms - self.consumers.keys():
            self.consumers[room] = OutboxConsumer(self.rt, self.stream_of(room), self.group, self.consumer_name,
                                                  self.handler, **self.options)
        self._next_refresh = asyncio.get_running_loop().time() + self.refresh_s

    async def prune_consumers(self) -> int:
        """Forget, in each room's group, consumers idle for ``consumer_prune_idle_s`` that hold no pending
        entry (``group_prune.lua``): the names of worker processes that stopped or restarted."""
        args: list[str | int] = [self.group, self.rt.settings.consumer_prune_idle_s * 1000, self.consumer_name]
        pipe = self.rt.redis.pipeline(transaction=False)
        for room in list(self.consumers):
            await self.rt.scripts.queue(pipe, "group_prune", [self.stream_of(room)], args)
        self._next_prune = asyncio.get_running_loop().time() + PRUNE_EVERY_S
        return sum(int(n) for n in await self.rt.scripts.execute(pipe)) if len(pipe) else 0

    async def run_once(self) -> int:
        now = asyncio.get_running_loop().time()
        if now >= self._next_refresh:
            await self.refresh()
        if now >= self._next_prune:
            await self.prune_consumers()
        total = 0
        failed: list[BaseException] = []
        for room, consumer in list(self.consumers.items()):
            try:
                total += await consumer.run_once()
            except (RedisError, OSError) as exc:  # one room's problem never stops the other rooms
                log.warning("outbox %s: room %s failed (%s)", self.group, room, exc)
                failed.append(exc)
        if failed and len(failed) == len(self.consumers):
            raise failed[0]  # every room failed: Redis itself is away, back off
        return total

    async def drain(self, timeout_s: float = 30.0) -> int:
        """Run until a full pass acknowledges nothing (tests and tools)."""
        await self.refresh()
        total = 0
        deadline = asyncio.get_running_loop().time() + timeout_s
        while asyncio.get_running_loop().time() < deadline:
            n = await self.run_once()
            total += n
            if n == 0:
                break
        return total

    @property
    def persisted(self) -> int:
        return sum(c.persisted for c in self.consumers.values())

    def figures(self) -> dict[str, int]:
        """Counts for the worker's metrics, summed over the room streams."""
        out = {"persisted": 0, "dead_lettered": 0, "db_unavailable": 0, "groups_recreated": 0}
        for c in list(self.consumers.values()):
            out["groups_recreated"] += c.groups_recreated
            out["persisted"] += c.persisted
            out["dead_lettered"] += c.dead_lettered
            out["db_unavailable"] += c.db_unavailable
        return out

    async def run(self, stop: asyncio.Event, idle_s: float = 0.2) -> None:
        await _loop(self.run_once, stop, idle_s, f"outbox {self.group}")
