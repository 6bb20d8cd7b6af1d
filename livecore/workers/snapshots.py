"""Per-minute analytics snapshots to PostgreSQL, the material of the post-live report (直播复盘).

Once a minute, for every room with recent interactions: the per-minute counters of the last few completed
minutes (re-written each time, so late events and a missed run are caught up; upserts make several workers
harmless), the online/peak/UV figures sampled now (stored on the minute that just ended), and a summary of the
room's live session (totals, funnel, top products, top contributors, keywords; after the session ends, for
two more minutes, then never again). It also moves viewers who have stayed 60 s without doing anything into
the "watched" funnel step of the live session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

import asyncpg
from redis.exceptions import RedisError

from ..clock import Clock
from ..core import funnel as funnel_math
from ..core.keywords import KeywordExtractor, in_window
from ..ranking.names import NO_SESSION, RankKeys
from ..ranking.store import COUNTERS, RankingStore
from ..replies import text
from ..runtime import Runtime

log = logging.getLogger(__name__)
MINUTE_MS = 60_000
WATCH_MS = 60_000
SUMMARY_GRACE_MS = 120_000  # an ended session's summary is rewritten this long after its end, then frozen

_UPSERT_MINUTE = f"""
INSERT INTO analytics_minutes (room_id, minute, online, peak, uv, {", ".join(COUNTERS)}, updated_at)
VALUES ($1, $2, $3, $4, $5, {", ".join(f"${i}" for i in range(6, 6 + len(COUNTERS)))}, now())
ON CONFLICT (room_id, minute) DO UPDATE SET
  online = COALESCE(EXCLUDED.online, analytics_minutes.online),
  peak = COALESCE(EXCLUDED.peak, analytics_minutes.peak),
  uv = COALESCE(EXCLUDED.uv, analytics_minutes.uv),
  {", ".join(f"{c} = EXCLUDED.{c}" for c in COUNTERS)},
  updated_at = now()
"""

_UPSERT_SESSION = """
INSERT INTO analytics_sessions (session_id, room_id, totals, funnel, top_products, top_contributors, keywords,
                                updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, now())
ON CONFLICT (session_id) DO UPDATE SET
  totals = EXCLUDED.totals, funnel = EXCLUDED.funnel, top_products = EXCLUDED.top_products,
  top_contributors = EXCLUDED.top_contributors, keywords = EXCLUDED.keywords, updated_at = now()
"""


def minute_start(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


async def session_summary(store: RankingStore, room: str, session: str, now_ms: int,
                          keywords: KeywordExtractor | None, keyword_window_s: float,
                          ended_ms: int | None = None) -> dict[str, Any]:
    """Totals, funnel, top products, top contributors and keywords of one session (from Redis). The keywords
    of an ended session (``ended_ms``) are those of the barrage window that closed with it, not of later chat."""
    names = store.names
    totals = {k: int(v) for k, v in ((text(a), b) for a, b in
                                      (await store.redis.hgetall(names.session(room, session))).items())}
    counts = await store.funnel_counts(room, session)
    stored = await store.keywords(room) if ended_ms is None or keywords is None else None
    if ended_ms is not None and keywords is not None:
        words = [k.as_dict() for k in keywords.top(in_window(await store.chat_entries(room), ended_ms,
                                                              keyword_window_s))]
    elif stored is not None:
        words = stored.get("keywords", [])
    elif keywords is not None:
        words = [k.as_dict() for k in keywords.top(in_window(await store.chat_entries(room), now_ms,
                                                              keyword_window_s))]
    else:
        words = []
    return {
        "totals": totals,
        "funnel": [s.as_dict() for s in funnel_math.funnel(counts)],
        "top_products": await store.products(room, session, 10),
        "top_contributors": await store.contributors(room, session, 10),
        "keywords": words,
    }


class SnapshotWorker:
    def __init__(self, rt: Runtime, *, clock: Clock | None = None, backfill_minutes: int = 5,
                 keywords: KeywordExtractor | None = None) -> None:
        assert rt.db is not None, "the snapshot worker needs the database"
        self.rt = rt
        self.db: asyncpg.Pool = rt.db
        self.clock = clock or rt.clock
        self.names = RankKeys(rt.keys)
        self.store = RankingStore(rt.redis, rt.keys, rt.settings.hot_half_life_s)
        self.backfill = backfill_minutes
        self.keywords = keywords
        self.rows_written = 0
        self.failed = 0  # passes that failed (Redis or PostgreSQL unavailable); the next one backfills

    def figures(self) -> dict[str, int]:
        return {"rows_written": self.rows_written, "failed": self.failed}

    async def active_rooms(self, now_ms: int) -> list[str]:
        rooms = sorted(text(m) for m in await self.rt.redis.smembers(self.names.rooms()))
        if not rooms:
            return []
        pipe = self.rt.redis.pipeline(transaction=False)
        for room in rooms:
            pipe.hget(self.names.rk(room), "last_ts")
        since = now_ms - (self.backfill + 1) * MINUTE_MS
        return [room for room, last in zip(rooms, await pipe.execute(), strict=True)
                if last is not None and int(last) >= since]

    async def snapshot(self, now_ms: int | None = None) -> int:
        """One pass; returns the number of minute rows written."""
        now_ms = int(self.clock.now() * 1000) if now_ms is None else now_ms
        current = now_ms // MINUTE_MS
        first, last = current - self.backfill, current - 1
        rows: list[tuple[Any, ...]] = []
        rooms = await self.active_rooms(now_ms)
        sessions = await self.store.current_sessions(rooms) if rooms else {}
        live = await self.store.live_sessions(rooms) if rooms else {}
        for room in rooms:
            buckets = await self.store.minutes(room, first, last)
            pres = await self.store.presence(room, now_ms)
            for m in range(first, last + 1):
                b = buckets.get(m)
                sampled = m == last
                if b is None and not sampled:
                    continue
                b = b or {}
                rows.append((room, minute_start(m), pres["online"] if sampled else None,
                             pres["peak"] if sampled else None, pres["uv"] if sampled else None,
                             *(b.get(c, 0) for c in COUNTERS)))
            if live[room] != NO_SESSION:  # watching while the room is offline is in no session
                await self.rt.scripts.call("ranking_watch_sweep",
                                           keys=[self.names.inside(room), self.names.funnel(room, live[room], "watch"),
                                                 self.names.funnel(room, live[room], "enter")],
                                           args=[now_ms, WATCH_MS, 2 * 86400])
            session = sessions[room]  # the summary of the session in the state, live or just ended
            ended_ms = None if live[room] == session else await self._ended(session)
            if session != NO_SESSION and (ended_ms is None or now_ms <= ended_ms + SUMMARY_GRACE_MS):
                summary = await session_summary(self.store, room, session, now_ms, self.keywords,
                                                self.rt.settings.keyword_window_s, ended_ms)
                await self.db.execute(_UPSERT_SESSION, session, room, summary["totals"], summary["funnel"],
                                      summary["top_products"], summary["top_contributors"], summary["keywords"])
        if rows:
            await self.db.executemany(_UPSERT_MINUTE, rows)
        self.rows_written += len(rows)
        return len(rows)

    async def _ended(self, session: str) -> int | None:
        """When the session ended (ms); ``None`` while it has not. An ended session's summary is written again
        for ``SUMMARY_GRACE_MS`` after its end (what happened before the end and was applied late), then
        never: its figures, keywords included, stay as they were."""
        if session == NO_SESSION:
            return None
        ended = await self.db.fetchval("SELECT ended_at FROM live_sessions WHERE id = $1", session)
        return int(ended.timestamp() * 1000) if ended is not None else None

    async def run(self, stop: asyncio.Event) -> None:
        every = self.rt.settings.snapshot_interval_s
        while not stop.is_set():
            try:
                await self.snapshot()
            except (RedisError, OSError, asyncpg.PostgresError) as exc:
                self.failed += 1
                log.warning("snapshot failed (%s); retrying next round", exc)
            # wake shortly after the next minute boundary so the minute just ended is complete
            now = self.clock.now()
            delay = every - (now % every) + 2.0 if every >= 60 else every
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)


def snapshot_worker(rt: Runtime, consumer: str) -> SnapshotWorker:
    """Registry factory (``livecore worker --only snapshots``): the per-minute snapshot loop."""
    return SnapshotWorker(rt, keywords=KeywordExtractor())
