"""Applies batches of interactions to the rankings and metrics, idempotently.

Two pipelined round trips per batch, whatever the number of rooms:

1. one ``ranking_apply`` call per room batch: dedupe by event id and every per-room counter, atomically. The
   worker decodes the entries and sums what it can first (``ranking.batch``), so Redis, single-threaded, does
   little per event;
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
from ..interactions.model import Interaction, decoder
from ..replies import text
from ..scripts import Scripts
from .batch import build_payload
from .names import GROUP, NO_SESSION, RankKeys

_pack = msgspec.msgpack.Encoder()


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


@dataclass(slots=True)
class Prepared:
    """A batch decoded and turned into script payloads, not yet sent (``Aggregator.prepare``)."""
    now_ms: int
    sessions: dict[str, str]
    items: dict[str, list[Interaction]] = field(default_factory=dict)
    gift_hours: dict[str, list[int]] = field(default_factory=dict)
    payloads: dict[str, bytes] = field(default_factory=dict)
    results: dict[str, RoomResult] = field(default_factory=dict)


class Aggregator:
    def __init__(self, redis: Redis, names: RankKeys, scripts: Scripts, cfg: HotConfig, *,
                 dedupe_ttl_s: int = 3600, minute_ttl_s: int = 3 * 3600, session_ttl_s: int = 2 * 86400,
                 chat_max: int = 1000, group: str = GROUP) -> None:
        self.redis = redis
        self.names = names
        self.scripts = scripts
        self.cfg = cfg
        self.group = group
        script_cfg = {"H": cfg.half_life_ms, "step": cfg.landmark_step_ms, "cap": cfg.like_cap_per_minute,
                      "dttl": dedupe_ttl_s, "mttl": minute_ttl_s, "sttl": session_ttl_s, "chatmax": chat_max}
        self._cfg = _pack.encode(script_cfg)

    def decode(self, blobs: Sequence[bytes]) -> tuple[list[Interaction], int]:
        """A room's raw ``i`` fields as interactions, and how many could not be read."""
        items: list[Interaction] = []
        bad = 0
        for blob in blobs:
            try:
                items.append(decoder.decode(blob))
            except (msgspec.DecodeError, msgspec.ValidationError):
                bad += 1
        return items, bad

    def prepare(self, batches: Mapping[str, Sequence[bytes]], now_ms: int,
                sessions: Mapping[str, str] | None = None, into: Prepared | None = None) -> Prepared:
        """Decode each room's raw ``i`` fields and build its script payload (pure CPU, no I/O): the worker runs
        this for its next batch while Redis is still executing the scripts of the current one. ``into`` adds
        the rooms to a batch being prepared (the worker prepares a round in slices)."""
        prep = into if into is not None else Prepared(now_ms, dict(sessions or {}))
        for room, blobs in batches.items():
            if blobs:
                self.add(prep, room, *self.decode(blobs))
        return prep

    def add(self, prep: Prepared, room: str, items: list[Interaction], bad: int) -> None:
        """Add one room's decoded interactions to a batch being prepared (pure CPU)."""
        prep.items[room] = items
        prep.gift_hours[room] = sorted({hourly.hour_of(it.ts) for it in items if it.kind == "gift"})
        prep.payloads[room] = self._payload(prep, room, items)
        prep.results[room] = RoomResult(room, 0.0, 0, 0, len(items), bad, 0)

    def _payload(self, prep: Prepared, room: str, items: Sequence[Interaction]) -> bytes:
        session = prep.sessions.get(room) or NO_SESSION
        return _pack.encode(build_payload(items, self.cfg, session, prep.gift_hours[room]))

    async def execute(self, prep: Prepared) -> dict[str, RoomResult]:
        """Step 1 for a prepared batch: one pipelined ``ranking_apply`` call per room; a room whose batch holds
        ids counted before is called again without them (the script wrote nothing the first time)."""
        out = prep.results
        payloads = dict(prep.payloads)
        pending = dict(prep.items)
        while payloads:
            rooms = list(payloads)
            pipe = self.redis.pipeline(transaction=False)
            for room in rooms:
                await self.scripts.queue(pipe, "ranking_apply", [self.names.rk(room)],
                                         [self._cfg, prep.now_ms, payloads[room]])
            replies = await self.scripts.execute(pipe)
            payloads = {}
            for room, reply in zip(rooms, replies, strict=True):
                if reply and reply[0] == b"dup":
                    dups = {text(x) for x in reply[1:]}
                    pending[room] = [it for it in pending[room] if it.id not in dups]
                    payloads[room] = self._payload(prep, room, pending[room])
                    continue
                res = out[room]
                res.score = float(reply[0])
                res.landmark = int(reply[1])
                res.applied = int(reply[2])
                res.duplicates -= res.applied
                res.chats = int(reply[3])
                res.hours = {int(reply[i]): int(reply[i + 1]) for i in range(4, len(reply), 2)}
        return out

    async def apply(self, batches: Mapping[str, Sequence[bytes]], now_ms: int,
                    sessions: Mapping[str, str] | None = None) -> dict[str, RoomResult]:
        """Step 1: count each room's entries (raw ``i`` fields); returns each room's absolute values."""
        return await self.execute(self.prepare(batches, now_ms, sessions))

    async def publish(self, results: Mapping[str, RoomResult],
                      acks: Mapping[str, Sequence[bytes | str]] | None = None) -> None:
        """Step 2: platform rankings from absolute values, then acknowledge the entries (and count them in
        the ``{rank}:stats`` hash, an operational figure: a crash between the steps can leave it short)."""
        pipe = self.redis.pipeline(transaction=False)
        triples: list[str | int] = []
        per_hour: dict[int, dict[str, int]] = {}
        known = await self.known_rooms([room for room, res in results.items() if res.score > 0 or res.hours])
        for room, res in results.items():
            if room not in known:  # a room id nobody created: its own figures count, the platform's do not
                continue
            if res.score > 0:
                triples += [room, repr(res.score), res.landmark]
            for hour, total in res.hours.items():
                per_hour.setdefault(hour, {})[room] = total
        if triples:
            await self.scripts.queue(pipe, "ranking_hot_set", [self.names.hot(), self.names.hot_meta()],
                                     [self.cfg.half_life_ms, *triples])
        for hour, totals in per_hour.items():
            key = self.names.hourly(hour)
            pipe.zadd(key, totals, gt=True)
            pipe.expire(key, hourly.KEEP_S)
        for room, ids in (acks or {}).items():
            if ids:
                pipe.xack(self.names.stream(room), self.group, *ids)
        applied = sum(res.applied for res in results.values())
        if applied:
            pipe.hincrby(self.names.stats(), "applied", applied)
        if len(pipe):
            await self.scripts.execute(pipe)

    async def known_rooms(self, rooms: Sequence[str]) -> set[str]:
        if not rooms:
            return set()
        flags = await self.redis.smismember(self.names.known(), list(rooms))
        return {room for room, flag in zip(rooms, flags, strict=True) if flag}

    async def apply_and_publish(self, batches: Mapping[str, Sequence[bytes]],
                                acks: Mapping[str, Sequence[bytes | str]], now_ms: int,
                                sessions: Mapping[str, str] | None = None) -> dict[str, RoomResult]:
        results = await self.apply(batches, now_ms, sessions)
        await self.publish(results, acks)
        return results
