"""Counting and summarising for the flash-sale benchmark (pure, no I/O).

Latencies live in HdrHistograms in microseconds so load generators ship them to the orchestrator exactly
(``encode`` / ``decode_and_add``). Completions are counted in 10 ms buckets from the storm's start so the
orchestrator can tell the rate before the sell-out from the rate of the whole storm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

from _plots import percentile_points

BUCKET_S = 0.01


def new_histogram() -> HdrHistogram:
    return HdrHistogram(1, 300_000_000, 3)  # 1 us .. 300 s


@dataclass
class Tally:
    """What one load-generator process measured."""

    epoch: float  # wall-clock start of the storm, shared by every process
    hist: HdrHistogram = field(default_factory=new_histogram)
    codes: dict[str, int] = field(default_factory=dict)
    orders: list[str] = field(default_factory=list)
    buckets: list[int] = field(default_factory=list)  # completions per 10 ms since epoch
    last_success: float = 0.0  # wall clock of the last successful answer seen
    first_sent: float = 0.0
    last_done: float = 0.0

    def done(self, now: float, latency_s: float, code: str, order: str = "") -> None:
        """One answered attempt; ``code`` is ``ok`` for a success (``order`` its id when there is one)."""
        self.hist.record_value(max(1, int(latency_s * 1_000_000)))
        self.codes[code] = self.codes.get(code, 0) + 1
        if code == "ok":
            self.last_success = now
            if order:
                self.orders.append(order)
        i = int((now - self.epoch) / BUCKET_S)
        if i >= 0:
            buckets = self.buckets
            if i >= len(buckets):
                buckets.extend([0] * (i + 1 - len(buckets)))
            buckets[i] += 1
        self.last_done = now

    def to_json(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "hist": self.hist.encode().decode(), "codes": self.codes, "orders": self.orders,
                "buckets": self.buckets, "last_success": self.last_success, "first_sent": self.first_sent,
                "last_done": self.last_done}


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One summary from every process's ``Tally.to_json``: rates, percentiles, codes, orders."""
    hist = new_histogram()
    codes: dict[str, int] = {}
    orders: list[str] = []
    buckets: list[int] = []
    for p in parts:
        hist.decode_and_add(p["hist"])
        for c, n in p["codes"].items():
            codes[c] = codes.get(c, 0) + n
        orders.extend(p["orders"])
        for i, n in enumerate(p["buckets"]):
            if i >= len(buckets):
                buckets.append(0)
            buckets[i] += n
    epoch = min(p["epoch"] for p in parts)
    start = min((p["first_sent"] for p in parts if p["first_sent"]), default=epoch)
    end = max(p["last_done"] for p in parts)
    sold_out_at = max(p["last_success"] for p in parts)
    done = sum(codes.values())
    wall = max(end - start, 1e-9)
    out: dict[str, Any] = {
        "attempts_done": done, "wall_s": round(wall, 3), "attempts_per_s": round(done / wall, 1),
        "codes": codes, "orders": orders,
        "p50_ms": pct_ms(hist, 50), "p99_ms": pct_ms(hist, 99), "p999_ms": pct_ms(hist, 99.9),
        "max_ms": round(hist.get_max_value() / 1000, 2),
        "latency_percentiles_ms": percentile_points(hist),
    }
    out.update(before_sell_out(buckets, epoch, start, sold_out_at))
    return out


def before_sell_out(buckets: list[int], epoch: float, start: float, sold_out_at: float) -> dict[str, Any]:
    """Attempts answered from the start to the last success, and their rate (the hot-row phase)."""
    if not sold_out_at or sold_out_at <= start:
        return {"sell_out_s": None, "attempts_before_sell_out": None, "attempts_per_s_before_sell_out": None}
    last = int((sold_out_at - epoch) / BUCKET_S)
    n = sum(buckets[: last + 1])
    span = sold_out_at - start
    return {"sell_out_s": round(span, 3), "attempts_before_sell_out": n,
            "attempts_per_s_before_sell_out": round(n / span, 1)}


def pct_ms(hist: HdrHistogram, pct: float) -> float | None:
    if hist.get_total_count() == 0:
        return None
    return round(hist.get_value_at_percentile(pct) / 1000.0, 2)
