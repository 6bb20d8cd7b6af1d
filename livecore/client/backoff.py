"""Jittered exponential backoff for reconnects (pure; the random source is injected).

Delay n is drawn uniformly from [d/2, d] with d = min(cap, base * factor**n): spread out so that viewers of
a gateway that just restarted do not all come back in the same instant, yet never immediately.
"""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    def __init__(self, base: float = 0.25, factor: float = 2.0, cap: float = 10.0,
                 rand: Callable[[], float] | None = None) -> None:
        self.base = base
        self.factor = factor
        self.cap = cap
        self.attempt = 0
        self._rand = rand or random.random

    def ceiling(self) -> float:
        return min(self.cap, self.base * self.factor ** self.attempt)

    def next(self) -> float:
        d = self.ceiling()
        self.attempt += 1
        return d / 2 + self._rand() * d / 2

    def reset(self) -> None:
        self.attempt = 0
