"""Funnel ratios and last-window versus previous-window changes (pure).

The funnel counts unique users at each step: entered -> watched over 60 s -> clicked a product -> ordered ->
paid. A user at a step has passed every step before it (``through``): whoever clicks, orders or pays also
entered and counts as engaged ("watched"), and a viewer already in the room when it goes live enters the new
session. So every step is at most the step before it; ``funnel`` also holds to that when its counts were read
a moment apart. Each step carries its ratio to the step before (conversion) and to the first step (overall).
Changes compare the sum of the last ``window`` per-minute buckets with the ``window`` before them, the
figure a host reads as "up 12% on the previous ten minutes".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

STEPS: tuple[str, ...] = ("entered", "watched", "clicked", "ordered", "paid")
KEYS: tuple[str, ...] = ("enter", "watch", "click", "order", "paid")  # the same steps, as stored


def through(step: str) -> tuple[str, ...]:
    """The stored steps a user reaching ``step`` (one of ``KEYS``) is counted at: it and every one before it."""
    return KEYS[:KEYS.index(step) + 1]


@dataclass(frozen=True, slots=True)
class Step:
    step: str
    users: int
    ratio: float | None  # users / users of the previous step (None for the first step or a zero previous)
    overall: float | None  # users / users of the first step

    def as_dict(self) -> dict[str, object]:
        return {"step": self.step, "users": self.users, "ratio": self.ratio, "overall": self.overall}


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b > 0 else None


def funnel(counts: Sequence[int], steps: Sequence[str] = STEPS) -> list[Step]:
    if len(counts) != len(steps):
        raise ValueError(f"{len(steps)} funnel steps need {len(steps)} counts, got {len(counts)}")
    nested: list[int] = []
    for users in counts:  # counts read one after the other may see a user at a step and not yet before it
        nested.append(min(users, nested[-1]) if nested else users)
    out: list[Step] = []
    for i, (name, users) in enumerate(zip(steps, nested, strict=True)):
        ratio = None if i == 0 else _ratio(users, nested[i - 1])
        overall = _ratio(users, nested[0]) if i > 0 else (1.0 if users > 0 else None)
        out.append(Step(name, users, ratio, overall))
    return out


@dataclass(frozen=True, slots=True)
class Change:
    last: float
    previous: float

    @property
    def delta(self) -> float:
        return self.last - self.previous

    @property
    def pct(self) -> float | None:
        """Relative change in percent; None when the previous window was empty."""
        if self.previous == 0:
            return None
        return round((self.last - self.previous) * 100 / self.previous, 2)

    @property
    def trend(self) -> str:
        return "up" if self.last > self.previous else "down" if self.last < self.previous else "flat"

    def as_dict(self) -> dict[str, object]:
        return {"last": self.last, "previous": self.previous, "delta": self.delta, "pct": self.pct,
                "trend": self.trend}


def windows(buckets: Mapping[int, Mapping[str, float]], current_minute: int, fields: Sequence[str],
            window: int = 10) -> dict[str, Change]:
    """Per field: the sum over minutes ``(current-window, current]`` against ``(current-2*window, current-window]``.

    ``buckets`` maps minute index -> field -> value; missing minutes and fields count as zero. The current,
    still-running minute is included in the last window so the figure moves while the host watches.
    """
    out: dict[str, Change] = {}
    for name in fields:
        last = sum(buckets.get(m, {}).get(name, 0) for m in range(current_minute - window + 1, current_minute + 1))
        prev = sum(buckets.get(m, {}).get(name, 0)
                   for m in range(current_minute - 2 * window + 1, current_minute - window + 1))
        out[name] = Change(last, prev)
    return out
