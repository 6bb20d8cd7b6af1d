"""The slow-viewer policy, decided from the bytes waiting in a connection's outgoing buffer.

    buffered <= high_water          -> FULL: send the whole frame
    high_water < buffered <= limit  -> LITE: skip barrage and other lossy events, still send state and reliable
    buffered > limit                -> LITE, and the clock starts; still above after timeout_s -> CLOSE (4001)

A viewer that is behind never makes the server wait: the fan-out writes and moves on, and this policy only
bounds how much is queued for it. The gateway's fan-out loop inlines the FULL case (one comparison) and asks
``judge`` only for viewers above the high-water mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Verdict(IntEnum):
    FULL = 0
    LITE = 1
    CLOSE = 2


@dataclass(frozen=True, slots=True)
class SlowPolicy:
    high_water: int
    limit: int
    timeout_s: float

    def judge(self, buffered: int, over_since: float | None, now: float) -> tuple[Verdict, float | None]:
        """The verdict and the new "above the limit since" mark to remember for this viewer."""
        if buffered <= self.high_water:
            return Verdict.FULL, None
        if buffered <= self.limit:
            return Verdict.LITE, None
        if over_since is None:
            return Verdict.LITE, now
        if now - over_since >= self.timeout_s:
            return Verdict.CLOSE, over_since
        return Verdict.LITE, over_since
