"""Turns one room's batch of interactions into the compact payload ``ranking_apply.lua`` applies (pure).

Redis runs Lua on one thread, and a ``redis.call`` from Lua costs about as much as a small command, so the
script must not do per-event work it can avoid. Everything that does not depend on state already in Redis
is summed here, in the worker (which scales by adding processes): per-minute and per-session counters,
contributor and product increments, funnel members, barrage lines, hourly gift totals. What does depend on
Redis state is reduced as far as it can be without it: likes to one (minute, user) total for the cap, unique
participants to one (kind, window, user) latest timestamp, enter/leave pairs kept in time order. The script
checks the event ids first and, when any was counted before, answers with those ids and writes nothing;
the worker then rebuilds the payload without them (redeliveries are rare, so the common path is one call).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..core import funnel, hourly
from ..core.hotrank import MINUTE_MS, MS, HotConfig
from ..interactions.model import Interaction
from .names import NO_SESSION

_COUNTER = {"enter": "enters", "leave": "leaves", "chat": "comments", "share": "shares", "follow": "follows",
            "gift": "gifts", "click": "clicks", "cart": "carts", "order": "orders", "paid": "paid", "vote": "votes"}
_FUNNEL = {"enter": "enter", "click": "click", "order": "order", "paid": "paid", "vote": "enter"}  # a voter is in


def _inc(table: dict[Any, dict[str, int]], key: Any, field: str, n: int) -> None:
    row = table.get(key)
    if row is None:
        table[key] = row = {}
    row[field] = row.get(field, 0) + n


def build_payload(items: Iterable[Interaction], cfg: HotConfig, default_session: str = NO_SESSION,
                  gift_hours: Iterable[int] = ()) -> dict[str, Any]:
    seen: dict[str, list[str]] = {}
    likes: dict[tuple[int, str, str], list[int]] = {}  # (minute, user, session) -> [count, max ts]
    uniq: dict[tuple[str, int, str], list[Any]] = {}  # (kind, bucket, user) -> [max ts, weight]
    plain: list[list[float]] = []  # [ts, weight] of kinds counted every time (money)
    inout: list[tuple[int, str, str, str]] = []  # (ts, "e"|"l", user, session)
    minutes: dict[int, dict[str, int]] = {}
    sessions: dict[str, dict[str, int]] = {}
    zincr: dict[str, dict[str, int]] = {}
    sets: dict[str, dict[str, None]] = {}
    chats: list[tuple[int, str]] = []
    hours: dict[int, int] = {}
    touched = set(gift_hours)
    last_ts = 0
    ids_in_batch: set[str] = set()
    for it in items:
        if it.id in ids_in_batch:  # the same entry twice in one batch: the second one is a duplicate
            continue
        ids_in_batch.add(it.id)
        ts = it.ts
        minute = ts // MINUTE_MS
        seen.setdefault(str(minute), []).append(it.id)
        last_ts = max(last_ts, ts)
        kind = it.kind
        session = it.session or default_session
        if kind == "like":
            entry = likes.get((minute, it.user, session))
            if entry is None:
                likes[(minute, it.user, session)] = [it.count, ts]
            else:
                entry[0] += it.count
                entry[1] = max(entry[1], ts)
        else:
            field = _COUNTER.get(kind)
            if field is not None:
                _inc(minutes, minute, field, 1)
                _inc(sessions, session, field, 1)
        if kind in ("enter", "leave"):
            inout.append((ts, "e" if kind == "enter" else "l", it.user, session))
        step = _FUNNEL.get(kind)
        if step is not None:
            for passed in funnel.through(step):  # a click, an order or a payment passes every step before it
                sets.setdefault(f"f:{session}:{passed}", {})[it.user] = None
        if kind == "chat" and it.text:
            chats.append((ts, it.text))
        elif kind == "gift":
            _inc(minutes, minute, "gift_value", it.value)
            _inc(sessions, session, "gift_value", it.value)
            z = zincr.setdefault(f"c:{session}", {})
            z[it.user] = z.get(it.user, 0) + it.value
            hour = hourly.hour_of(ts)
            touched.add(hour)
            if it.value > 0:
                hours[hour] = hours.get(hour, 0) + it.value
        elif kind == "order":
            _inc(minutes, minute, "order_value", it.value)
            _inc(sessions, session, "order_value", it.value)
        elif kind == "paid":
            for table, key in ((minutes, minute), (sessions, session)):
                _inc(table, key, "gmv", it.value)
                _inc(table, key, "units", it.count)
            if it.product:
                g = zincr.setdefault(f"pg:{session}", {})
                g[it.product] = g.get(it.product, 0) + it.value
                u = zincr.setdefault(f"pu:{session}", {})
                u[it.product] = u.get(it.product, 0) + it.count
        # hot score contribution (leave contributes nothing)
        rule = cfg.rules.get(kind)
        if rule is None or kind == "leave":
            continue
        weight = cfg.weight(kind, it.value)
        if weight <= 0:
            continue
        if rule.unique_window_s > 0:
            uniq_key = (kind, ts // (rule.unique_window_s * MS), it.user)
            u_entry = uniq.get(uniq_key)
            if u_entry is None:
                uniq[uniq_key] = [ts, weight, rule.unique_window_s + 120]
            elif ts > u_entry[0]:
                u_entry[0] = ts
        else:
            plain.append([ts, weight])
    inout.sort(key=lambda x: x[0])
    chats.sort(key=lambda x: x[0])
    return {
        "seen": seen,
        "likes": [[m, u, s, c, t] for (m, u, s), (c, t) in likes.items()],
        "uniq": [[k, b, u, t, w, ttl] for (k, b, u), (t, w, ttl) in uniq.items()],
        "plain": plain,
        "inout": [[t, op, u, s] for t, op, u, s in inout],
        "minutes": {str(m): row for m, row in minutes.items()},
        "sessions": sessions,
        "zincr": zincr,
        "sets": {k: list(v) for k, v in sets.items()},
        "chats": [f"{t}\t{text}" for t, text in chats],
        "hours": {str(h): v for h, v in hours.items()},
        "touched": sorted(touched),
        "last_ts": last_ts,
        "n": len(ids_in_batch),
    }
