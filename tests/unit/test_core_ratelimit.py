import pytest

from livecore.core.ratelimit import RateLimiter, TokenBucket


def test_burst_then_steady_rate() -> None:
    bucket = TokenBucket(rate=2.0, burst=3)
    assert [bucket.take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(0.0) == pytest.approx(0.5)
    assert bucket.take(0.5) == 0.0
    assert bucket.take(0.5) > 0
    assert bucket.take(10.0) == 0.0  # refilled, capped at burst
    assert [bucket.take(10.0) for _ in range(3)][-1] > 0


def test_limiter_keeps_users_apart_and_forgets_full_buckets() -> None:
    limiter = RateLimiter(rate=1.0, burst=1)
    assert limiter.take("a", 0.0) == 0.0
    assert limiter.take("a", 0.0) == pytest.approx(1.0)
    assert limiter.take("b", 0.0) == 0.0
    assert limiter.sweep(0.5) == 0
    assert limiter.sweep(1.5) == 2
    assert len(limiter) == 0
    assert limiter.take("a", 1.5) == 0.0
