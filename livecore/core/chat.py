"""The barrage pipeline: what a gateway does with a viewer's ``chat`` before publishing it.

Bidi controls and control characters are removed first (``textnorm.clean_display``). Order: empty ->
``invalid``; longer than the limit -> ``too_long``; muted -> ``muted``; token bucket empty ->
``rate_limited`` (with ``retry_after``); the same text again within the window -> ``duplicate``; then the
deployment's and the room's sensitive words are masked with ``*``. Hosts and admins of the room are not rate
limited or deduplicated (they may repeat a call to action), but their words are filtered too.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..protocol.codes import ErrorCode
from .outcome import Refusal
from .ratelimit import RateLimiter
from .spam import DuplicateFilter
from .textnorm import clean_display
from .wordfilter import WordFilter, mask_all


@dataclass(frozen=True, slots=True)
class Accepted:
    text: str  # masked


class ChatPipeline:
    def __init__(self, *, max_chars: int, rate: float, burst: int, dup_window_s: float,
                 words: WordFilter | None = None) -> None:
        self.max_chars = max_chars
        self.limiter = RateLimiter(rate, burst)
        self.duplicates = DuplicateFilter(dup_window_s)
        self.words = words or WordFilter()

    def check(self, user: str, text: str, now: float, *, muted: bool = False,
              room_words: WordFilter | None = None, privileged: bool = False) -> Accepted | Refusal:
        """``now`` is monotonic seconds."""
        text = clean_display(text).strip()
        if not text:
            return Refusal(ErrorCode.INVALID, "empty message")
        if len(text) > self.max_chars:
            return Refusal(ErrorCode.TOO_LONG, f"at most {self.max_chars} characters")
        if muted and not privileged:
            return Refusal(ErrorCode.MUTED, "you are muted in this room")
        if not privileged:
            wait = self.limiter.take(user, now)
            if wait > 0:
                return Refusal(ErrorCode.RATE_LIMITED, "slow down", retry_after=round(wait, 3))
            if self.duplicates.is_duplicate(user, text, now):
                return Refusal(ErrorCode.DUPLICATE, "same message sent just now")
        return Accepted(mask_all(text, self.words, room_words or _EMPTY))

    def sweep(self, now: float) -> None:
        self.limiter.sweep(now)


_EMPTY = WordFilter()
