"""Room hot score (人气榜) by forward decay, and the counting rules that keep it hard to farm (pure).

Forward decay: an interaction at time ``t`` adds ``w * 2^((t - L) / H)`` to the room's score, where ``L`` is a
landmark and ``H`` the half-life. Scores only ever grow, so ordering rooms needs no periodic decay pass: a room
whose audience left simply stops growing while the others overtake it. The decayed value *now* is
``score * 2^((L - now) / H)``. The exponent grows with time, so before it overflows the landmark moves forward
and every score is multiplied by ``2^(-(L' - L) / H)`` (rescaling). Landmarks sit on a fixed grid
(``landmark_halvings`` half-lives apart) so that every process, and a recomputation from the stream, picks the
same landmark for the same event.

Counting rules: a weight per interaction kind; kinds that cost nothing to repeat (enter, like, chat, share,
click...) count once per user per window (``unique_window_s``), at the user's latest activity in that window
(so the result does not depend on the order in which several consumers apply the entries); money kinds (gift,
paid) count by value in yuan. Likes are additionally capped per user per minute before they count toward the
like total.

``HotModel`` is the reference implementation of everything ``ranking_apply.lua`` does for the hot and hourly
rankings; recomputing from the stream uses it, and the tests check the Lua against it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from . import hourly

MS = 1000
MINUTE_MS = 60_000


@dataclass(frozen=True, slots=True)
class KindRule:
    weight: float
    unique_window_s: int = 0  # 0: every event counts; otherwise once per user per window
    per_value: bool = False  # weight is per yuan of ``value`` (cents / 100)


DEFAULT_RULES: Mapping[str, KindRule] = {
    "enter": KindRule(1.0, 3600),
    "like": KindRule(0.2, 60),  # once per liker per minute; the like total is capped separately
    "chat": KindRule(1.0, 60),
    "share": KindRule(3.0, 3600),
    "follow": KindRule(5.0, 86400),
    "gift": KindRule(0.1, 0, per_value=True),
    "click": KindRule(0.5, 3600),
    "vote": KindRule(1.0, 3600),  # once per voter per hour, like a comment it costs nothing to repeat
    "cart": KindRule(1.0, 3600),
    "order": KindRule(2.0, 3600),
    "paid": KindRule(0.05, 0, per_value=True),
}


def parse_weights(spec: str, base: Mapping[str, KindRule] = DEFAULT_RULES) -> dict[str, KindRule]:
    """``"like=0.5,gift=0.2"`` -> the default rules with those weights replaced."""
    rules = dict(base)
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kind, sep, raw = part.partition("=")
        kind = kind.strip()
        if not sep or kind not in rules:
            raise ValueError(f"bad hot weight {part!r}: expected kind=weight with kind in {sorted(rules)}")
        weight = float(raw)
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"bad hot weight {part!r}: must be a finite number >= 0")
        old = rules[kind]
        rules[kind] = KindRule(weight, old.unique_window_s, old.per_value)
    return rules


@dataclass(frozen=True, slots=True)
class HotConfig:
    half_life_s: float = 600.0
    rules: Mapping[str, KindRule] = field(default_factory=lambda: dict(DEFAULT_RULES))
    like_cap_per_minute: int = 300
    landmark_halvings: int = 32  # the landmark moves before the factor exceeds 2^32

    @property
    def half_life_ms(self) -> float:
        return self.half_life_s * MS

    @property
    def landmark_step_ms(self) -> int:
        return max(1, int(self.half_life_s * MS * self.landmark_halvings))

    def landmark(self, ts_ms: int) -> int:
        """The grid landmark an event at ``ts_ms`` belongs to."""
        return ts_ms - ts_ms % self.landmark_step_ms

    def weight(self, kind: str, value: int = 0) -> float:
        rule = self.rules.get(kind)
        if rule is None:
            return 0.0
        return rule.weight * value / 100 if rule.per_value else rule.weight

    def as_script_config(self) -> dict[str, object]:
        """The parameters ``ranking_apply.lua`` needs, as one JSON-able object."""
        return {
            "H": self.half_life_ms,
            "step": self.landmark_step_ms,
            "cap": self.like_cap_per_minute,
            "rules": {k: [r.weight, r.unique_window_s * MS, 1 if r.per_value else 0] for k, r in self.rules.items()},
        }


def boost(weight: float, ts_ms: int, landmark_ms: int, half_life_ms: float) -> float:
    """What one interaction adds to a score kept relative to ``landmark_ms``."""
    return weight * 2.0 ** ((ts_ms - landmark_ms) / half_life_ms)


def rescale(score: float, old_landmark_ms: int, new_landmark_ms: int, half_life_ms: float) -> float:
    """The same score expressed relative to another landmark."""
    return score * 2.0 ** (-(new_landmark_ms - old_landmark_ms) / half_life_ms)


def value_at(score: float, landmark_ms: int, now_ms: int, half_life_ms: float) -> float:
    """The decayed hot value at ``now_ms``: what a person reads on the ranking."""
    return score * 2.0 ** ((landmark_ms - now_ms) / half_life_ms)


@dataclass(slots=True)
class RoomHot:
    score: float = 0.0
    landmark: int = 0

    def _move_landmark(self, ts_ms: int, cfg: HotConfig) -> None:
        lm = cfg.landmark(ts_ms)
        if lm > self.landmark:
            self.score = rescale(self.score, self.landmark, lm, cfg.half_life_ms)
            self.landmark = lm

    def add(self, weight: float, ts_ms: int, cfg: HotConfig) -> None:
        self._move_landmark(ts_ms, cfg)
        self.score += boost(weight, ts_ms, self.landmark, cfg.half_life_ms)

    def move(self, weight: float, old_ts_ms: int, new_ts_ms: int, cfg: HotConfig) -> None:
        """A contribution made at ``old_ts_ms`` now counts at the later ``new_ts_ms`` (the score grows)."""
        self._move_landmark(new_ts_ms, cfg)
        h = cfg.half_life_ms
        self.score += weight * (2.0 ** ((new_ts_ms - self.landmark) / h) - 2.0 ** ((old_ts_ms - self.landmark) / h))


@dataclass(frozen=True, slots=True)
class Event:
    """The fields of an interaction the rankings look at."""

    id: str
    kind: str
    room: str
    user: str
    ts: int
    count: int = 1
    value: int = 0


class HotModel:
    """Hot scores and hourly gift totals of many rooms, from interactions in any order (pure).

    Idempotent by event id, likes capped per user per minute, unique-per-window counting: the same rules
    as the Lua script, so recomputing from the stream gives the live rankings back.
    """

    def __init__(self, cfg: HotConfig) -> None:
        self.cfg = cfg
        self.rooms: dict[str, RoomHot] = {}
        self.hourly: dict[int, dict[str, int]] = {}
        self.likes: dict[str, int] = {}
        self._seen: set[tuple[str, str]] = set()
        self._unique: dict[tuple[str, str, int, str], int] = {}  # -> latest ts counted
        self._like_minute: dict[tuple[str, int, str], int] = {}

    def apply(self, ev: Event) -> bool:
        """Count one interaction; False when its id was counted already."""
        if (ev.room, ev.id) in self._seen:
            return False
        self._seen.add((ev.room, ev.id))
        if ev.kind == "like":
            key = (ev.room, ev.ts // MINUTE_MS, ev.user)
            used = self._like_minute.get(key, 0)
            allowed = max(0, min(ev.count, self.cfg.like_cap_per_minute - used))
            if allowed > 0:
                self._like_minute[key] = used + allowed
                self.likes[ev.room] = self.likes.get(ev.room, 0) + allowed
        if ev.kind == "gift" and ev.value > 0:
            per_room = self.hourly.setdefault(hourly.hour_of(ev.ts), {})
            per_room[ev.room] = per_room.get(ev.room, 0) + ev.value
        rule = self.cfg.rules.get(ev.kind)
        weight = self.cfg.weight(ev.kind, ev.value)
        if rule is None or weight <= 0:
            return True
        room = self.rooms.setdefault(ev.room, RoomHot())
        if rule.unique_window_s <= 0:
            room.add(weight, ev.ts, self.cfg)
            return True
        # a unique participant counts once per window, at their latest activity in it, so the score does not
        # depend on the order entries are applied in
        ukey = (ev.room, ev.kind, ev.ts // (rule.unique_window_s * MS), ev.user)
        prev = self._unique.get(ukey)
        if prev is None:
            self._unique[ukey] = ev.ts
            room.add(weight, ev.ts, self.cfg)
        elif ev.ts > prev:
            self._unique[ukey] = ev.ts
            room.move(weight, prev, ev.ts, self.cfg)
        return True

    def apply_all(self, events: Iterable[Event]) -> int:
        return sum(1 for ev in events if self.apply(ev))

    def scores(self, landmark: int | None = None) -> dict[str, float]:
        """Every room's score relative to one landmark (the latest one used by default)."""
        if landmark is None:
            landmark = max((r.landmark for r in self.rooms.values()), default=0)
        return {room: rescale(r.score, r.landmark, landmark, self.cfg.half_life_ms) for room, r in self.rooms.items()}

    def order(self) -> list[str]:
        """Rooms by hot score, highest first (ties by room id)."""
        scores = self.scores()
        return sorted(scores, key=lambda room: (-scores[room], room))
