"""Applies batches of interactions to the rankings and metrics, idempotently.

Two pipelined round trips per batch, whatever the number of rooms:

1. one ``ranking_apply`` call per room batch (dedupe by event id + every per-room counter, atomically; the raw
   msgpack entries are handed to Lua untouched, so Python does no per-event work);
2. the platform rankings (``ranking_hot_set`` with each room's absolute score, ``ZADD GT`` of each room's
   absolute hourly total) and the ``XACK`` of the entries.

Because step 2 writes absolute values, a consumer that dies between the two steps loses nothing: the entries
stay pending, another consumer claims them, step 1 finds every id already counted and returns the same
absolute values, and step 2 publishes them. ``XACK`` comes last, so an entry is never acknowledged before the
rankings reflect it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import msgspec
from redis.asyncio import Redis

from ..core import hourly
from ..core.hotrank import HotConfig
from ..scripts import Scripts
from .names import GROUP, NO_SESSION, RankKeys

_json = msgspec.json.Encoder()


@dataclass(slots=True)
class RoomResult:
    room: str
    score: float
    landmark: int
    applied: int
    duplicates: int
    malformed: int
    chats: int
    hours: dict[int, int] = field(default_factory=dict)


def _int(v: bytes | int | str) -> int:
    return int(v)


class Aggregator:
    def __init__(self, redis: Redis, names: RankKeys, scripts: Scripts, cfg: HotConfig, *,
                 dedupe_ttl_s: int = 3600, minute_ttl_s: int = 3 * 3600, session_ttl_s: int = 2 * 86400,
                 chat_max: int = 1000, group: str = GROUP) -> None:
        self.redis = redis
        self.names = names
        self.scripts = scripts
        self.cfg = cfg
        self.group = group
        script_cfg = cfg.as_script_config()
        script_cfg.update(dttl=dedupe_ttl_s, mttl=minute_ttl_s, sttl=session_ttl_s, chatmax=chat_max)
        self._cfg_json = _json.encode(script_cfg)

    async def apply(self, batches: Mapping[str, Sequence[bytes]], now_ms: int,
                    sessions: Mapping[str, str] | None = None) -> dict[str, RoomResult]:
        """Step 1: count each room's entries (raw ``i`` fields); returns each room's absolute values."""
        rooms = [room for room, blobs in batches.items() if blobs]
        if not rooms:
            return {}
        script = self.scripts.get("ranking_apply")
        pipe = self.redis.pipeline(transaction=False)
        for room in rooms:
            session = (sessions or {}).get(room) or NO_SESSION
            await script(keys=[self.names.rk(room)], args=[self._cfg_json, session, now_ms, *batches[room]],
                         client=pipe)
        replies = await pipe.execute()
        out: dict[str, RoomResult] = {}
        for room, reply in zip(rooms, replies, strict=True):
            hours = {_int(reply[i]): _int(reply[i + 1]) for i in range(6, len(reply), 2)}
            out[room] = RoomResult(room, float(reply[0]), _int(reply[1]), _int(reply[2]), _int(reply[3]),
                                   _int(reply[4]), _int(reply[5]), hours)
        return out

    async def publish(self, results: Mapping[str, RoomResult],
                      acks: Mapping[str, Sequence[bytes | str]] | None = None) -> None:
        """Step 2: platform rankings from absolute values, then acknowledge the entries (and count them in
        the ``{rank}:stats`` hash, an operational figure: a crash between the steps can leave it short)."""
        pipe = self.redis.pipeline(transaction=False)
        triples: list[object] = []
        per_hour: dict[int, dict[str, int]] = {}
        for room, res in results.items():
            if res.score > 0:
                triples += [room, repr(res.score), res.landmark]
            for hour, total in res.hours.items():
                per_hour.setdefault(hour, {})[room] = total
        if triples:
            await self.scripts.get("ranking_hot_set")(
                keys=[self.names.hot(), self.names.hot_meta()], args=[self.cfg.half_life_ms, *triples], client=pipe)
        for hour, totals in per_hour.items():
            key = self.names.hourly(hour)
            pipe.zadd(key, totals, gt=True)  # type: ignore[arg-type]
            pipe.expire(key, hourly.KEEP_S)
        for room, ids in (acks or {}).items():
            if ids:
                pipe.xack(self.names.stream(room), self.group, *ids)
        applied = sum(res.applied for res in results.values())
        if applied:
            pipe.hincrby(self.names.stats(), "applied", applied)
        if len(pipe):
            await pipe.execute()

    async def apply_and_publish(self, batches: Mapping[str, Sequence[bytes]],
                                acks: Mapping[str, Sequence[bytes | str]], now_ms: int,
                                sessions: Mapping[str, str] | None = None) -> dict[str, RoomResult]:
        results = await self.apply(batches, now_ms, sessions)
        await self.publish(results, acks)
        return results
