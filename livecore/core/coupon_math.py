"""Coupon arithmetic (pure): what a coupon takes off an amount, and which of a user's coupons is best.

Money is integer cents. Three kinds of coupon exist:

* ``fixed``     ``amount`` off any order of at least ``threshold`` (0: any order);
* ``threshold`` (满减) ``amount`` off an order of at least ``threshold`` cents, e.g. 2000 off from 19900;
* ``percent``   ``percent`` % off, rounded down to the cent, at most ``cap`` cents (0: no cap), from
                ``threshold`` (0: any order).

A discount never exceeds the amount it applies to, so an order never becomes negative. The redemption
script does not repeat this arithmetic: the service computes the discount here from the batch's terms
(immutable once the batch is created) and the script only decides the race (owner, validity, not used).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class CouponKind(StrEnum):
    FIXED = "fixed"
    THRESHOLD = "threshold"
    PERCENT = "percent"


@dataclass(frozen=True, slots=True)
class CouponTerms:
    kind: CouponKind
    amount: int = 0  # cents off (fixed, threshold)
    threshold: int = 0  # minimum order amount in cents
    percent: int = 0  # 1..99 (percent)
    cap: int = 0  # largest discount in cents, 0 = none (percent)

    def problems(self) -> list[str]:
        """Why these terms cannot make a coupon (empty when they can)."""
        out: list[str] = []
        if self.threshold < 0 or self.amount < 0 or self.cap < 0:
            out.append("amounts must not be negative")
        if self.kind in (CouponKind.FIXED, CouponKind.THRESHOLD) and self.amount <= 0:
            out.append(f"a {self.kind} coupon needs amount > 0 (cents off)")
        if self.kind is CouponKind.THRESHOLD:
            if self.threshold <= 0:
                out.append("a threshold coupon needs threshold > 0 (minimum order in cents)")
            elif self.amount >= self.threshold:
                out.append("a threshold coupon must take off less than its threshold")
        if self.kind is CouponKind.PERCENT and not 1 <= self.percent <= 99:
            out.append("a percent coupon needs percent between 1 and 99")
        return out


def applies(terms: CouponTerms, amount: int) -> bool:
    """The order amount meets the coupon's minimum."""
    return amount > 0 and amount >= terms.threshold


def discount(terms: CouponTerms, amount: int) -> int:
    """Cents taken off ``amount``; 0 when the coupon does not apply."""
    if not applies(terms, amount):
        return 0
    if terms.kind is CouponKind.PERCENT:
        off = amount * terms.percent // 100
        if terms.cap > 0:
            off = min(off, terms.cap)
    else:
        off = terms.amount
    return max(0, min(off, amount))


@dataclass(frozen=True, slots=True)
class HeldCoupon:
    """A coupon a user has claimed, as far as choosing one is concerned. Times in epoch milliseconds."""

    claim: str
    batch: str
    terms: CouponTerms
    valid_from: int
    valid_until: int
    used: bool = False
    title: str = ""


@dataclass(frozen=True, slots=True)
class Offer:
    coupon: HeldCoupon
    discount: int


def usable(coupon: HeldCoupon, now_ms: int) -> bool:
    """Not used and inside its validity window ``[valid_from, valid_until)``."""
    return not coupon.used and coupon.valid_from <= now_ms < coupon.valid_until


def offers(coupons: Iterable[HeldCoupon], amount: int, now_ms: int) -> list[Offer]:
    """The user's coupons usable now on ``amount``, best first.

    Best = largest discount; on a tie the one expiring first (use it before it is lost), then by claim id
    so the order is stable.
    """
    found = [Offer(c, discount(c.terms, amount)) for c in coupons if usable(c, now_ms)]
    found = [o for o in found if o.discount > 0]
    found.sort(key=lambda o: (-o.discount, o.coupon.valid_until, o.coupon.claim))
    return found


def best_coupon(coupons: Iterable[HeldCoupon], amount: int, now_ms: int) -> Offer | None:
    """The single best usable coupon for ``amount``, or ``None``."""
    ranked = offers(coupons, amount, now_ms)
    return ranked[0] if ranked else None



def batch_status(stored: str, now_ms: int, *, ends_at: int, remaining: int, valid_until: int = 0,
                 valid_for_ms: int = 0) -> str:
    """What a batch is now, from its stored status and its clock: ``expired`` once no coupon of it can be used
    any more (past ``valid_until``, or past the claim window plus ``valid_for_ms``), ``ended`` once the claim
    window closed (or the host ended it), ``exhausted`` while the window is open and none is left, else
    ``active``. The stored status only changes on a host action, so a batch whose window simply ran out
    still says ``active`` there: callers that show batches go through this."""
    last_use = max(valid_until, ends_at + valid_for_ms if valid_for_ms else 0)
    if last_use and now_ms >= last_use:
        return "expired"
    if stored != "active" and stored != "exhausted":
        return stored
    if now_ms >= ends_at:
        return "ended"
    if remaining <= 0:
        return "exhausted"
    return "active"
