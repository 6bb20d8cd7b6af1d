"""The room's barrage display budget.

Viewers cannot read hundreds of comments a second, so above ``budget`` per second barrage is sampled down.
The decision depends only on the order events were published in and their publisher timestamps (``ts``, ms),
never on when a gateway happened to receive them or on its tick boundaries: every gateway subscribed to a room
sees the channel in the same order and so keeps the same subset.

Each second of publisher time is cut into ``slices``; slice ``i`` admits its share of the budget
(``floor((i+1)*B/k) - floor(i*B/k)``) on a first-come basis, so a burst cannot spend a whole second's budget
in its first milliseconds. Only barrage goes through here; priority lanes are never sampled.
"""

from __future__ import annotations


class BarrageSampler:
    def __init__(self, budget: int, slices: int = 4, keep: int = 64) -> None:
        if slices < 1:
            raise ValueError("slices must be >= 1")
        self.budget = budget
        self.slices = slices
        self.keep = keep  # slices of history kept for late (clock-skewed) events
        self._allowance = [(i + 1) * budget // slices - i * budget // slices for i in range(slices)]
        self._counts: dict[int, int] = {}
        self._newest = -1
        self.admitted = 0
        self.dropped = 0

    def admit(self, ts_ms: int) -> bool:
        """Whether the barrage published at ``ts_ms`` (in publication order) is shown."""
        if self.budget <= 0:  # no budget configured: sampling off
            self.admitted += 1
            return True
        window = ts_ms * self.slices // 1000
        if window > self._newest:
            self._newest = window
            if len(self._counts) > self.keep:
                floor = window - self.keep
                for old in [w for w in self._counts if w < floor]:
                    del self._counts[old]
        count = self._counts.get(window, 0)
        if count >= self._allowance[window % self.slices]:
            self.dropped += 1
            return False
        self._counts[window] = count + 1
        self.admitted += 1
        return True
