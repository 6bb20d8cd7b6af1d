"""Reading the rankings and live metrics back out of Redis (for the API, the worker's pushes and the report).

Presence (online now, peak, UV) is written by the gateways; everything else by ``ranking_apply``. The hot
ranking stores forward-decay scores relative to a landmark; readers turn them into the value at ``now``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import msgspec
from redis.asyncio import Redis

from ..core import funnel as funnel_math
from ..core import hotrank, hourly
from ..core.presence import online_from
from ..core.session import live_of, session_id, stamp
from ..keys import Keys
from ..people import PeopleStore
from ..protocol.state import FigureChange, FunnelStep, MetricsState
from ..replies import scored, text
from .names import FUNNEL_KEYS, NO_SESSION, RankKeys

MINUTE_MS = 60_000
COUNTERS: tuple[str, ...] = ("enters", "leaves", "likes", "comments", "shares", "follows", "gifts", "gift_value",
                             "clicks", "carts", "orders", "order_value", "paid", "gmv", "units", "votes")
_json = msgspec.json.Decoder()


def _ints(raw: dict[Any, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for k, v in raw.items():
        try:
            out[text(k)] = int(v)
        except ValueError:
            continue
    return out


def session_of(state_value: bytes | str | None) -> str:
    """The live session id from the room state field ``session``; ``NO_SESSION`` when there is none."""
    return session_id(state_value) or NO_SESSION


class RankingStore:
    def __init__(self, redis: Redis, keys: Keys, half_life_s: float) -> None:
        self.redis = redis
        self.keys = keys
        self.names = RankKeys(keys)
        self.people = PeopleStore(redis, keys)
        self.half_life_ms = half_life_s * 1000

    # -- platform rankings ---------------------------------------------------------------------------
    async def _hot_landmark(self) -> int:
        raw = await self.redis.hget(self.names.hot_meta(), "L")
        return int(raw) if raw is not None else 0

    async def hot_top(self, n: int, now_ms: int) -> list[dict[str, Any]]:
        pipe = self.redis.pipeline(transaction=False)
        pipe.hget(self.names.hot_meta(), "L")
        pipe.zrevrange(self.names.hot(), 0, max(0, n - 1), withscores=True)
        raw_l, rows = await pipe.execute()
        landmark = int(raw_l) if raw_l is not None else 0
        return [{"position": i + 1, "room": text(room),
                 "hot": round(hotrank.value_at(score, landmark, now_ms, self.half_life_ms), 4)}
                for i, (room, score) in enumerate(rows)]

    async def hot_scores(self) -> tuple[int, dict[str, float]]:
        """The raw ranking: its landmark and every room's score relative to it."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.hget(self.names.hot_meta(), "L")
        pipe.zrange(self.names.hot(), 0, -1, withscores=True)
        raw_l, rows = await pipe.execute()
        return (int(raw_l) if raw_l is not None else 0), {text(r): s for r, s in rows}

    async def hourly_top(self, hour: int, n: int) -> list[dict[str, Any]]:
        rows = scored(await self.redis.zrevrange(self.names.hourly(hour), 0, max(0, n - 1), withscores=True))
        return [{"position": i + 1, "room": text(room), "value": int(score)} for i, (room, score) in enumerate(rows)]

    async def hourly_totals(self, hour: int) -> dict[str, int]:
        rows = scored(await self.redis.zrange(self.names.hourly(hour), 0, -1, withscores=True))
        return {text(r): int(s) for r, s in rows}

    async def room_rank(self, room: str, now_ms: int) -> dict[str, Any]:
        hour = hourly.hour_of(now_ms)
        pipe = self.redis.pipeline(transaction=False)
        pipe.hget(self.names.hot_meta(), "L")
        pipe.zrevrank(self.names.hot(), room)
        pipe.zscore(self.names.hot(), room)
        pipe.zcard(self.names.hot())
        pipe.zrevrank(self.names.hourly(hour), room)
        pipe.zscore(self.names.hourly(hour), room)
        raw_l, hot_rank, hot_score, hot_n, h_rank, h_score = await pipe.execute()
        landmark = int(raw_l) if raw_l is not None else 0
        return {
            "room": room,
            "hot": {"position": None if hot_rank is None else hot_rank + 1, "of": hot_n,
                    "value": None if hot_score is None else
                    round(hotrank.value_at(hot_score, landmark, now_ms, self.half_life_ms), 4)},
            "hourly": {"hour": hour, "start": hourly.format_hour(hour),
                       "position": None if h_rank is None else h_rank + 1,
                       "value": int(h_score) if h_score is not None else 0,
                       "resets_in_s": hourly.seconds_left(now_ms)},
        }

    # -- one room ------------------------------------------------------------------------------------
    async def current_session(self, room: str) -> str:
        return session_of(await self.redis.hget(self.keys.room_state(room), "session"))

    async def current_sessions(self, rooms: Sequence[str]) -> dict[str, str]:
        pipe = self.redis.pipeline(transaction=False)
        for room in rooms:
            pipe.hget(self.keys.room_state(room), "session")
        return {room: session_of(v) for room, v in zip(rooms, await pipe.execute(), strict=True)}

    async def live_sessions(self, rooms: Sequence[str]) -> dict[str, str]:
        """The session each room's interactions belong to now: its session while live, else ``NO_SESSION``."""
        pipe = self.redis.pipeline(transaction=False)
        for room in rooms:
            pipe.hmget(self.keys.room_state(room), ["session", "live"])
        return {room: stamp(session_of(s), live_of(live) is True) or NO_SESSION
                for room, (s, live) in zip(rooms, await pipe.execute(), strict=True)}

    async def contributors(self, room: str, session: str, n: int = 10) -> list[dict[str, Any]]:
        rows = scored(await self.redis.zrevrange(self.names.contributors(room, session), 0, max(0, n - 1),
                                                 withscores=True))
        ranked = [{"position": i + 1, "user": text(u), "value": int(v)} for i, (u, v) in enumerate(rows)]
        return await self.people.with_names(ranked)  # the name beside the id (livecore.people)

    async def products(self, room: str, session: str, n: int = 20) -> dict[str, list[dict[str, Any]]]:
        pipe = self.redis.pipeline(transaction=False)
        pipe.zrevrange(self.names.product_gmv(room, session), 0, max(0, n - 1), withscores=True)
        pipe.zrevrange(self.names.product_units(room, session), 0, max(0, n - 1), withscores=True)
        by_gmv, by_units = await pipe.execute()
        return {"by_gmv": [{"position": i + 1, "product": text(p), "gmv": int(v)} for i, (p, v) in enumerate(by_gmv)],
                "by_units": [{"position": i + 1, "product": text(p), "units": int(v)}
                             for i, (p, v) in enumerate(by_units)]}

    async def keywords(self, room: str) -> dict[str, Any] | None:
        raw = await self.redis.get(self.names.keywords(room))
        return _json.decode(raw) if raw is not None else None

    async def chat_entries(self, room: str, limit: int = 1000) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        for raw in await self.redis.lrange(self.names.chat(room), 0, limit - 1):
            ts, _, message = text(raw).partition("\t")
            try:
                out.append((int(ts), message))
            except ValueError:
                continue
        return out

    async def funnel_counts(self, room: str, session: str) -> list[int]:
        pipe = self.redis.pipeline(transaction=False)
        for step in FUNNEL_KEYS:
            pipe.scard(self.names.funnel(room, session, step))
        return [int(x) for x in await pipe.execute()]

    async def minutes(self, room: str, first: int, last: int) -> dict[int, dict[str, int]]:
        """Per-minute counters for minutes ``first..last`` (indexes since the epoch)."""
        pipe = self.redis.pipeline(transaction=False)
        span = range(first, last + 1)
        for m in span:
            pipe.hgetall(self.names.minute(room, m))
        return {m: _ints(raw) for m, raw in zip(span, await pipe.execute(), strict=True) if raw}

    async def presence(self, room: str, now_ms: int) -> dict[str, int]:
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(self.keys.room_presence(room))
        pipe.get(self.keys.room_peak(room))
        pipe.execute_command("PFCOUNT", self.keys.room_uv(room))  # cluster pipelines: no pfcount()
        raw, peak, uv = await pipe.execute()
        online, _ = online_from(raw, now_ms)  # expired fields are dead gateways
        return {"online": online, "peak": max(online, int(peak or 0)), "uv": int(uv or 0)}

    async def metrics(self, room: str, now_ms: int, session: str | None = None, window: int = 10) -> dict[str, Any]:
        """``metrics_state`` as a JSON object (the API's answer)."""
        return cast(dict[str, Any], msgspec.to_builtins(await self.metrics_state(room, now_ms, session, window)))

    async def metrics_state(self, room: str, now_ms: int, session: str | None = None,
                            window: int = 10) -> MetricsState:
        """The host's live figures (the ``metrics`` state of ``host:<room>``): totals of the session, funnel, and
        last-window vs previous-window changes."""
        if session is None:
            session = await self.current_session(room)
        current = now_ms // MINUTE_MS
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(self.names.session(room, session))
        for step in FUNNEL_KEYS:
            pipe.scard(self.names.funnel(room, session, step))
        span = range(current - 2 * window + 1, current + 1)
        for m in span:
            pipe.hgetall(self.names.minute(room, m))
        replies = await pipe.execute()
        totals = _ints(replies[0])
        counts = [int(x) for x in replies[1:1 + len(FUNNEL_KEYS)]]
        buckets = {m: _ints(raw) for m, raw in zip(span, replies[1 + len(FUNNEL_KEYS):], strict=True) if raw}
        pres = await self.presence(room, now_ms)
        watch_n = totals.get("watch_n", 0)
        changes = funnel_math.windows(buckets, current, COUNTERS, window)
        counters: dict[str, Any] = {name: totals.get(name, 0) for name in COUNTERS}  # each a field of MetricsState
        return MetricsState(
            room=room, session=session, ts=now_ms, online=pres["online"], peak=pres["peak"], uv=pres["uv"], **counters,
            avg_watch_s=round(totals.get("watch_ms", 0) / watch_n / 1000, 1) if watch_n else 0.0,
            funnel=[FunnelStep(step=cast(Any, s.step), users=s.users, ratio=s.ratio, overall=s.overall)
                    for s in funnel_math.funnel(counts)],
            change={name: FigureChange(last=c.last, previous=c.previous, delta=c.delta, pct=c.pct,
                                       trend=cast(Any, c.trend))
                    for name, c in ((n, changes[n]) for n in COUNTERS)},
        )
