"""Recompute the hot and hourly rankings of a time window from the interaction streams.

This is the anti-cheat audit: it replays what the streams hold through the pure reference model
(``HotModel``: same dedupe, like cap and unique-participant rules as the Lua script) and compares the result
with the live rankings. Streams are bounded (``MAXLEN ~``), so a window is recomputable while its entries are
still in them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec
from redis.asyncio import Redis

from ..core import hotrank, hourly
from ..core.hotrank import Event, HotConfig, HotModel
from ..interactions.model import Interaction, decoder
from ..replies import entries, text
from .names import RankKeys
from .store import RankingStore


@dataclass(frozen=True, slots=True)
class Comparison:
    hot_equal: bool
    hourly_equal: bool
    hot_live: dict[str, float]
    hot_recomputed: dict[str, float]
    hourly_live: dict[int, dict[str, int]]
    hourly_recomputed: dict[int, dict[str, int]]

    @property
    def equal(self) -> bool:
        return self.hot_equal and self.hourly_equal


async def read_stream(redis: Redis, names: RankKeys, room: str, page: int = 5000) -> list[Interaction]:
    out: list[Interaction] = []
    start = "-"
    while True:
        page_entries = entries(await redis.xrange(names.stream(room), min=start, max="+", count=page))
        for _entry_id, values in page_entries:
            blob = values.get(b"i")
            if blob is None:
                continue
            try:
                out.append(decoder.decode(blob))
            except msgspec.DecodeError:
                continue
        if len(page_entries) < page:
            return out
        start = "(" + text(page_entries[-1][0])


def model_of(interactions: Iterable[Interaction], cfg: HotConfig, start_ms: int | None = None,
             end_ms: int | None = None) -> HotModel:
    model = HotModel(cfg)
    for it in interactions:
        if (start_ms is not None and it.ts < start_ms) or (end_ms is not None and it.ts >= end_ms):
            continue
        model.apply(Event(it.id, it.kind, it.room, it.user, it.ts, it.count, it.value))
    return model


async def recompute(redis: Redis, names: RankKeys, cfg: HotConfig, rooms: Iterable[str] | None = None,
                    start_ms: int | None = None, end_ms: int | None = None) -> HotModel:
    if rooms is None:
        rooms = sorted(m.decode() if isinstance(m, bytes) else m for m in await redis.smembers(names.rooms()))
    interactions: list[Interaction] = []
    for room in rooms:
        interactions.extend(await read_stream(redis, names, room))
    return model_of(interactions, cfg, start_ms, end_ms)


def _close(a: dict[str, float], b: dict[str, float], rel: float) -> bool:
    keys = {k for k, v in a.items() if v > 0} | {k for k, v in b.items() if v > 0}
    return all(math.isclose(a.get(k, 0.0), b.get(k, 0.0), rel_tol=rel, abs_tol=1e-9) for k in keys)


async def compare(redis: Redis, store: RankingStore, cfg: HotConfig, rooms: Iterable[str] | None = None,
                  start_ms: int | None = None, end_ms: int | None = None, rel: float = 1e-9) -> Comparison:
    """Live rankings against a recomputation from the streams (scores on the live ranking's landmark)."""
    model = await recompute(redis, store.names, cfg, rooms, start_ms, end_ms)
    known = {text(r) for r in await redis.smembers(store.names.known())}  # only created rooms are ranked
    model.rooms = {room: r for room, r in model.rooms.items() if room in known}
    model.hourly = {h: {room: v for room, v in per.items() if room in known} for h, per in model.hourly.items()}
    landmark, live_hot = await store.hot_scores()
    if not live_hot and model.rooms:
        landmark = max(r.landmark for r in model.rooms.values())
    again = {room: hotrank.rescale(r.score, r.landmark, landmark, cfg.half_life_ms)
             for room, r in model.rooms.items()}
    hours = sorted(model.hourly)
    if start_ms is not None and end_ms is not None:
        hours = list(range(hourly.hour_of(start_ms), hourly.hour_of(end_ms - 1) + 1))
    live_hourly = {h: await store.hourly_totals(h) for h in hours}
    again_hourly = {h: dict(model.hourly.get(h, {})) for h in hours}
    return Comparison(_close(live_hot, again, rel), live_hourly == again_hourly, live_hot, again,
                      live_hourly, again_hourly)
