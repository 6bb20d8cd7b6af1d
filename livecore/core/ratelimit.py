"""Token buckets: a steady rate with a burst allowance, per key (user).

Pure: the caller passes ``now`` (monotonic seconds), so tests move time by hand.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class TokenBucket:
    rate: float  # tokens added per second
    burst: float  # bucket size
    tokens: float = -1.0
    stamp: float = 0.0

    def take(self, now: float, cost: float = 1.0) -> float:
        """Take ``cost`` tokens. Returns 0.0 when allowed, else the seconds to wait before it would be."""
        if self.tokens < 0:
            self.tokens, self.stamp = self.burst, now
        elif now > self.stamp:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
        if self.tokens >= cost:
            self.tokens -= cost
            return 0.0
        if self.rate <= 0:
            return float("inf")
        return (cost - self.tokens) / self.rate


class RateLimiter:
    """One bucket per key. Buckets that have refilled completely are forgotten on ``sweep``."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, key: str, now: float, cost: float = 1.0) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst)
        return bucket.take(now, cost)

    def take_up_to(self, key: str, now: float, want: int) -> int:
        """Take as many of ``want`` whole tokens as the bucket holds (0..want); returns how many."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst)
        bucket.take(now, 0.0)  # refill
        granted = max(0, min(want, int(bucket.tokens)))
        bucket.tokens -= granted
        return granted

    def sweep(self, now: float) -> int:
        """Drop buckets that would be full by now (they behave exactly like a fresh one)."""
        full_after = self.burst / self.rate if self.rate > 0 else float("inf")
        stale = [k for k, b in self._buckets.items() if now - b.stamp >= full_after]
        for k in stale:
            del self._buckets[k]
        return len(stale)

    def __len__(self) -> int:
        return len(self._buckets)
