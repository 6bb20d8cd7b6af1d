"""A quiz's coupon reward: one coupon of the host's batch to each correct voter, exactly once.

The grant is a claim (``CouponService.claim``, decided by ``coupon_claim.lua``) under the idempotency key
``quiz-<poll>``: a second grant to the same voter, by a retried close, a raced one or the timer finishing a
dead closer's job, returns the first claim and writes nothing. The claims reach PostgreSQL through the coupons'
own outbox (the ``claims`` worker). A voter the batch refuses (its window closed, none left, or they already
hold as many as it allows) is counted, not retried.
"""

from __future__ import annotations

import asyncio
import logging

from ...core.outcome import Refusal
from ...runtime import Runtime

log = logging.getLogger(__name__)

_CHUNK = 100


def grant_key(poll: str) -> str:
    return f"quiz-{poll}"


async def grant_coupons(rt: Runtime, room: str, poll: str, batch: str, users: list[str]) -> int:
    """Grant ``batch`` to each of ``users``; returns how many hold a coupon from this quiz afterwards."""
    from ..coupons.service import CouponService  # the coupons service only where a quiz rewards with one

    coupons = CouponService(rt)
    granted = 0
    try:
        for i in range(0, len(users), _CHUNK):
            answers = await asyncio.gather(*(coupons.claim(room, u, batch, grant_key(poll))
                                             for u in users[i:i + _CHUNK]))
            for user, answer in zip(users[i:i + _CHUNK], answers, strict=True):
                if isinstance(answer, Refusal):
                    log.info("quiz %s: no coupon for %s (%s)", poll, user, answer.code.value)
                else:
                    granted += 1
    finally:
        await coupons.close()
    return granted
