"""Garbage-collector pauses of a gateway process: measured, and kept off the hot path where that is cheap.

A gateway holding 10 000 connections has millions of GC-tracked objects; a full (generation 2) collection
walks all of them and stops the event loop for 100-500 ms, which every viewer sees as latency. Room frames
are ``bytes`` (not tracked), so steady fan-out allocates little that survives; the heap grows while
connections open. ``tune`` therefore freezes what start-up allocated (never garbage) and raises the
young-generation threshold so the hot path's short-lived containers are collected in fewer, cheaper passes.
It does not freeze connections: a frozen closed connection's reference cycles would never be collected.
``GcWatch`` records every pause so a run can tell whether one landed in its measurement window.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

YOUNG_THRESHOLD = 20_000  # CPython's default is 700; with 5 000 a 373 ms full collection hit while 10k viewers joined


def tune(young: int = YOUNG_THRESHOLD) -> tuple[int, int, int]:
    """Freeze start-up objects and raise the young-generation threshold; returns the thresholds now set."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, old)
    return gc.get_threshold()


@dataclass
class GcWatch:
    """Durations of collections, by generation, and the recent long ones with their wall-clock time."""

    long_ms: float = 20.0  # pauses at least this long are kept in ``recent``
    count: list[int] = field(default_factory=lambda: [0, 0, 0])
    total_ms: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    max_ms: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    recent: deque[tuple[float, int, float]] = field(default_factory=lambda: deque(maxlen=200))
    _started: float = 0.0

    def start(self) -> None:
        if self._callback not in gc.callbacks:
            gc.callbacks.append(self._callback)

    def stop(self) -> None:
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        ms = (time.perf_counter() - self._started) * 1000.0
        gen = int(info.get("generation", 2))
        self.count[gen] += 1
        self.total_ms[gen] += ms
        if ms > self.max_ms[gen]:
            self.max_ms[gen] = ms
        if ms >= self.long_ms:
            self.recent.append((time.time(), gen, ms))

    def summary(self) -> str:
        parts = [f"gen{g}: {self.count[g]} collections, {self.total_ms[g]:.0f} ms total, max {self.max_ms[g]:.1f} ms"
                 for g in range(3)]
        long_ = ", ".join(f"{t:.3f}/gen{g}/{ms:.0f}ms" for t, g, ms in self.recent)
        return "; ".join(parts) + (f"; pauses >= {self.long_ms:.0f} ms (epoch/gen/ms): {long_}" if long_ else "")
