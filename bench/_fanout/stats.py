"""Counting and summarising (pure, no I/O).

Latencies are kept in HdrHistograms in microseconds so that load generators can ship them to the
orchestrator (``encode``) and the orchestrator can merge them exactly (``decode_and_add``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

BARRAGE_TAG = "fo"  # first word of every barrage text the senders write: "fo <seq> <send ms> <pad>"
GIFTER_PREFIX = "fo-gift-"  # user id prefix of the gift senders


def new_histogram() -> HdrHistogram:
    return HdrHistogram(1, 120_000_000, 3)  # 1 us .. 120 s


def merge_histograms(encoded: list[str]) -> HdrHistogram:
    out = new_histogram()
    for item in encoded:
        if item:
            out.decode_and_add(item)
    return out


def barrage_text(seq: int, send_ms: int, pad: str) -> str:
    return f"{BARRAGE_TAG} {seq} {send_ms} {pad}"


def parse_barrage(text: str) -> int | None:
    """Send time (ms) of a bench barrage text, ``None`` for any other text."""
    if not text.startswith(BARRAGE_TAG + " "):
        return None
    parts = text.split(" ", 3)
    if len(parts) < 3:
        return None
    try:
        return int(parts[2])
    except ValueError:
        return None


@dataclass
class Window:
    """The measured interval, wall-clock seconds; empty (infinite) until the orchestrator announces it."""

    t0: float = math.inf
    t1: float = math.inf

    def contains(self, t: float) -> bool:
        return self.t0 <= t < self.t1


@dataclass
class ProbeCounts:
    """What one probe viewer saw."""

    barrage_in_window: int = 0  # bench barrage whose publisher ts falls in the window (what the budget limits)
    barrage_sent_in_window: int = 0  # bench barrage whose *send* time falls in the window
    barrage_total: int = 0
    barrage_by_second: dict[int, int] = field(default_factory=dict)  # second of the window -> count
    gifts_in_window: int = 0  # bench gifts whose publisher ts falls in the window
    gift_offsets: dict[str, float] = field(default_factory=dict)  # offset -> receipt time (s)
    duplicate_gifts: int = 0
    other_events: int = 0
    messages: dict[str, int] = field(default_factory=dict)  # server message type -> count
    decode_errors: int = 0


def percentile_ms(hist: HdrHistogram, pct: float) -> float | None:
    if hist.get_total_count() == 0:
        return None
    return round(hist.get_value_at_percentile(pct) / 1000.0, 2)


def max_ms(hist: HdrHistogram) -> float | None:
    if hist.get_total_count() == 0:
        return None
    return round(hist.get_max_value() / 1000.0, 2)


def gifts_lost(sent_ok: int, sent_offsets: list[str] | None, seen: list[list[str]]) -> int:
    """Gifts acknowledged to their sender but missing at a probe, summed over probes.

    With the offsets of the acknowledged gifts the comparison is exact (set difference); without them it
    compares counts.
    """
    lost = 0
    for probe_seen in seen:
        if sent_offsets is not None:
            lost += len(set(sent_offsets) - set(probe_seen))
        else:
            lost += max(0, sent_ok - len(probe_seen))
    return lost


def expected_barrage_per_s(offered_per_s: float, budget: float) -> float:
    """What the room's sampling policy lets through: every message below the budget, the budget above."""
    return min(offered_per_s, budget)


def loss_beyond_sampling(delivered_per_s: float, expected_per_s: float) -> float:
    """Fraction of the allowed barrage that did not arrive (0 when at or above the allowance)."""
    if expected_per_s <= 0:
        return 0.0
    return max(0.0, 1.0 - delivered_per_s / expected_per_s)
