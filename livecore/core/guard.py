"""Counting misbehaviour of one connection within a sliding window (refused frames, malformed frames).

A client that keeps sending refused or malformed frames is closed rather than answered forever
(4504 flood, 4506 protocol violation).
"""

from __future__ import annotations

from collections import deque


class WindowCounter:
    __slots__ = ("limit", "window_s", "_stamps")

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._stamps: deque[float] | None = None  # made on the first hit: most connections never misbehave

    def hit(self, now: float) -> bool:
        """Record one occurrence; True when more than ``limit`` happened within the window."""
        stamps = self._stamps
        if stamps is None:
            stamps = self._stamps = deque()
        stamps.append(now)
        while stamps and now - stamps[0] > self.window_s:
            stamps.popleft()
        return len(stamps) > self.limit

    def __len__(self) -> int:
        return len(self._stamps) if self._stamps is not None else 0
