"""Funnel ratios and last-window versus previous-window changes (pure).

The funnel counts unique users at each step: entered -> watched over 60 s -> clicked a product -> ordered ->
paid. Each step carries its ratio to the step before (conversion) and to the first step (overall).
Changes compare the sum of the last ``window`` per-minute buckets with the ``window`` before them, the
figure a host reads as "up 12% on the previous ten minutes".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

STEPS: tuple[str, ...] = ("entered", "watched", "clicked", "ordered", "paid")


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
    out: list[Step] = []
    for i, (name, users) in enumerate(zip(steps, counts, strict=True)):
        ratio = None if i == 0 else _ratio(users, counts[i - 1])
        overall = _ratio(users, counts[0]) if i > 0 else (1.0 if users > 0 else None)
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
