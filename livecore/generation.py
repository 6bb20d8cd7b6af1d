"""The Redis generation marker: noticing that Redis came back empty (or was replaced) instead of selling on it.

Two global keys:

* ``<prefix>:redis:generation``: a random id written (``SET NX``) when a process starts or notices it is gone.
  Each process remembers the id it saw; a different or missing id on a later check means the data set it was
  working with is gone (a restart without persistence, a promoted replica that never had it, a flush).
* ``<prefix>:redis:restore_required``: set when a process decides the loss matters: the marker changed under a
  running process, or it is missing (or differs from the one PostgreSQL's ``redis_generations`` remembers)
  while PostgreSQL holds sales, coupon batches, lotteries, open red packets or polls, or group deals that still
  matter (open, or with members reserved or confirmed). While it
  exists, commerce answers ``unavailable`` for every sale Redis does not know instead of ``not_found``.
  ``livecore restore`` (for every room) deletes it once PostgreSQL's record is back in Redis.

``changes`` counts the generation changes this process saw (metric ``livecore_redis_generation_changes_total``).
The check runs at start-up, every ``interval_s`` in a background task, and on demand from the purchase path
when a sale is missing (so a freshly emptied Redis never answers ``not_found`` for a sale it lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Iterator

import asyncpg
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from redis.asyncio import Redis
from redis.exceptions import RedisError

from . import replies
from .keys import Keys

log = logging.getLogger(__name__)

# is there anything in PostgreSQL that Redis should hold?
_RECORDS = """SELECT EXISTS (SELECT 1 FROM sales) OR EXISTS (SELECT 1 FROM coupon_batches)
                     OR EXISTS (SELECT 1 FROM lotteries) OR EXISTS (SELECT 1 FROM red_packets WHERE status = 'open')
                     OR EXISTS (SELECT 1 FROM polls WHERE status = 'open')
                     OR EXISTS (SELECT 1 FROM group_deals WHERE ended_at IS NULL AND ends_at > now())
                     OR EXISTS (SELECT 1 FROM group_members WHERE status IN ('reserved', 'confirmed'))"""


def marker_key(keys: Keys) -> str:
    return keys.global_key("redis", "generation")


def restore_key(keys: Keys) -> str:
    return keys.global_key("redis", "restore_required")


class GenerationWatch:
    def __init__(self, redis: Redis, keys: Keys, db: asyncpg.Pool | None, *, interval_s: float = 1.0,
                 cache_s: float = 0.25) -> None:
        self.redis = redis
        self.keys = keys
        self.db = db
        self.interval_s = interval_s
        self.cache_s = cache_s
        self.known: str | None = None  # the generation this process works with
        self.changes = 0
        self.restore_required = False
        self._checked_at = -1e9
        self._lock = asyncio.Lock()

    async def _records_in_pg(self) -> bool:
        if self.db is None:
            return False
        try:
            return bool(await self.db.fetchval(_RECORDS))
        except asyncpg.UndefinedTableError:  # not migrated yet: nothing recorded
            return False
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("generation check: PostgreSQL unavailable (%s); assuming Redis lost data", exc)
            return True

    async def _stored(self) -> str | None:
        """The generation PostgreSQL last saw for this prefix (None without a database or a row)."""
        if self.db is None:
            return None
        with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            value = await self.db.fetchval("SELECT generation FROM redis_generations WHERE prefix = $1",
                                           self.keys.prefix)
            return str(value) if value is not None else None
        return None

    async def _store(self, generation: str) -> None:
        if self.db is None:
            return
        with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await self.db.execute(
                """INSERT INTO redis_generations (prefix, generation) VALUES ($1, $2)
                   ON CONFLICT (prefix) DO UPDATE SET generation = EXCLUDED.generation, seen_at = now()
                   WHERE redis_generations.generation IS DISTINCT FROM EXCLUDED.generation""",
                self.keys.prefix, generation)

    async def check(self) -> bool:
        """Read the marker (writing it when missing); returns whether commerce must wait for a restore."""
        async with self._lock:
            pipe = self.redis.pipeline(transaction=False)
            pipe.get(marker_key(self.keys))
            pipe.exists(restore_key(self.keys))
            raw, flagged = await pipe.execute()
            current = replies.text(raw) if raw is not None else None
            lost = False
            if self.known is not None and current != self.known:
                self.changes += 1
                lost = True
                log.warning("redis generation changed (%s -> %s): Redis lost its data set", self.known, current)
            elif current is None:
                lost = await self._records_in_pg()
            elif self.known is None:  # start-up: compare with what PostgreSQL remembers
                stored = await self._stored()
                if stored is not None and stored != current and await self._records_in_pg():
                    self.changes += 1
                    lost = True
                    log.warning("redis generation %s differs from the one PostgreSQL last saw (%s)", current, stored)
            if lost and not flagged:
                log.warning("commerce answers 'unavailable' for sales missing in Redis until `livecore restore`")
                await self.redis.set(restore_key(self.keys), "1")
                flagged = 1
            if current is None:
                await self.redis.set(marker_key(self.keys), secrets.token_hex(8), nx=True)
                current = replies.text(await self.redis.get(marker_key(self.keys)) or b"")
            if current != self.known:
                await self._store(current)
            self.known = current
            self.restore_required = bool(flagged)
            self._checked_at = asyncio.get_running_loop().time()
            return self.restore_required

    async def commerce_blocked(self) -> bool:
        """For a purchase that found its sale missing: is Redis waiting for a restore? (fresh to ``cache_s``)"""
        if asyncio.get_running_loop().time() - self._checked_at < self.cache_s:
            return self.restore_required
        try:
            return await self.check()
        except (RedisError, OSError):
            return True

    async def restored(self) -> None:
        """Called by ``livecore restore`` once every room is back: commerce may answer ``not_found`` again."""
        await self.redis.delete(restore_key(self.keys))
        self.restore_required = False

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval_s)
            if stop.is_set():
                return
            try:
                await self.check()
            except (RedisError, OSError):
                pass  # Redis is away; the next check after it returns tells what came back
            except Exception:  # a watcher that dies silently would stop noticing
                log.exception("generation check failed")


class GenerationCollector(Collector):
    """``livecore_redis_generation_changes_total`` and ``livecore_redis_restore_required`` of one process."""

    def __init__(self, watch: GenerationWatch | None) -> None:
        self.watch = watch

    def collect(self) -> Iterator[Metric]:
        changes = CounterMetricFamily("livecore_redis_generation_changes",
                                      "Times this process found Redis's generation marker missing or changed")
        required = GaugeMetricFamily("livecore_redis_restore_required",
                                     "1 while Redis waits for `livecore restore` (lost sales answer unavailable)")
        changes.add_metric([], self.watch.changes if self.watch is not None else 0)
        required.add_metric([], 1 if self.watch is not None and self.watch.restore_required else 0)
        yield changes
        yield required
