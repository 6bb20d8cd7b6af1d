"""Per-user limits on the room actions other than chat (chat has its own pipeline, ``core.chat``).

Pure: the caller passes ``now`` (monotonic seconds). Likes are aggregated, so a burst over the limit is not
refused: only what the user's bucket holds is counted and the rest is dropped without an answer. Shares,
follows and gifts over their limit are refused (``rate_limited`` with the seconds to wait). Gifts cost the
sender nothing here (no wallet), so each user also has a small budget of gifts on the reliable lane (stored
in the room's bounded replay stream); gifts beyond it are still shown live, on the priority lane, but not
stored, so one user's gifts cannot push everyone else's reliable events out of the replay buffer.
"""

from __future__ import annotations

from dataclasses import dataclass

from .ratelimit import RateLimiter


@dataclass(frozen=True, slots=True)
class ActionRates:
    """Rates per user per second and bucket sizes (the burst a user may spend at once). No defaults here: the
    deployment's come from ``Settings`` (``LIVECORE_LIKE_RATE`` ...), one source."""

    like_rate: float  # likes (not frames) per second
    like_burst: int
    share_rate: float
    share_burst: int
    follow_rate: float
    follow_burst: int
    gift_rate: float
    gift_burst: int
    gift_reliable_rate: float  # of those, gifts per second stored for replay
    gift_reliable_burst: int


class ActionLimits:
    def __init__(self, rates: ActionRates) -> None:
        self.likes = RateLimiter(rates.like_rate, rates.like_burst)
        self.shares = RateLimiter(rates.share_rate, rates.share_burst)
        self.follows = RateLimiter(rates.follow_rate, rates.follow_burst)
        self.gifts = RateLimiter(rates.gift_rate, rates.gift_burst)
        self.reliable_gifts = RateLimiter(rates.gift_reliable_rate, rates.gift_reliable_burst)

    def likes_counted(self, user: str, count: int, now: float) -> int:
        """How many of a burst of ``count`` likes count (0..count); the rest are dropped silently."""
        return self.likes.take_up_to(user, now, count)

    def share(self, user: str, now: float) -> float:
        """0.0 when allowed, else the seconds to wait."""
        return self.shares.take(user, now)

    def follow(self, user: str, now: float) -> float:
        return self.follows.take(user, now)

    def gift(self, user: str, now: float) -> float:
        return self.gifts.take(user, now)

    def gift_reliable(self, user: str, now: float) -> bool:
        """May this (allowed) gift go on the reliable lane? Otherwise it goes out live only."""
        return self.reliable_gifts.take(user, now) == 0.0

    def sweep(self, now: float) -> None:
        for limiter in (self.likes, self.shares, self.follows, self.gifts, self.reliable_gifts):
            limiter.sweep(now)
