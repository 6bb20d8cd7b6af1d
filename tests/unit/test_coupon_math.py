from livecore.core.coupon_math import (
    CouponKind,
    CouponTerms,
    HeldCoupon,
    applies,
    batch_status,
    best_coupon,
    discount,
    offers,
)

FIXED = CouponTerms(CouponKind.FIXED, amount=500)
MANJIAN = CouponTerms(CouponKind.THRESHOLD, amount=2000, threshold=19900)
TEN_PCT_CAPPED = CouponTerms(CouponKind.PERCENT, percent=10, cap=1500)


def test_fixed_takes_its_amount_but_never_more_than_the_order() -> None:
    assert discount(FIXED, 10000) == 500
    assert discount(FIXED, 300) == 300
    assert discount(FIXED, 0) == 0
    with_min = CouponTerms(CouponKind.FIXED, amount=500, threshold=3000)
    assert discount(with_min, 2999) == 0
    assert discount(with_min, 3000) == 500


def test_threshold_applies_from_exactly_the_threshold() -> None:
    assert discount(MANJIAN, 19899) == 0
    assert not applies(MANJIAN, 19899)
    assert discount(MANJIAN, 19900) == 2000
    assert discount(MANJIAN, 50000) == 2000


def test_percent_rounds_down_and_respects_the_cap() -> None:
    assert discount(TEN_PCT_CAPPED, 999) == 99  # 99.9 -> 99
    assert discount(TEN_PCT_CAPPED, 15000) == 1500
    assert discount(TEN_PCT_CAPPED, 15010) == 1500  # would be 1501, capped
    assert discount(TEN_PCT_CAPPED, 1_000_000) == 1500
    uncapped = CouponTerms(CouponKind.PERCENT, percent=15)
    assert discount(uncapped, 1_000_000) == 150_000
    assert discount(uncapped, 1) == 0


def test_invalid_terms_are_explained() -> None:
    assert FIXED.problems() == [] and MANJIAN.problems() == [] and TEN_PCT_CAPPED.problems() == []
    assert CouponTerms(CouponKind.FIXED).problems()
    assert CouponTerms(CouponKind.THRESHOLD, amount=100).problems()
    assert CouponTerms(CouponKind.THRESHOLD, amount=2000, threshold=2000).problems()
    assert CouponTerms(CouponKind.PERCENT, percent=100).problems()
    assert CouponTerms(CouponKind.PERCENT, percent=0).problems()
    assert CouponTerms(CouponKind.FIXED, amount=-1).problems()


def _held(claim: str, terms: CouponTerms, until: int = 10_000, used: bool = False,
          start: int = 0) -> HeldCoupon:
    return HeldCoupon(claim=claim, batch="b", terms=terms, valid_from=start, valid_until=until, used=used)


def test_best_coupon_ranks_by_discount_then_earliest_expiry() -> None:
    held = [
        _held("a", FIXED),
        _held("b", MANJIAN),
        _held("c", TEN_PCT_CAPPED),
        _held("d", MANJIAN, until=5_000),
        _held("e", MANJIAN, used=True),
        _held("f", MANJIAN, until=1_000),  # expired at now=1_000
        _held("g", MANJIAN, start=2_000),  # not yet valid
    ]
    ranked = offers(held, 20000, now_ms=1_000)
    assert [(o.coupon.claim, o.discount) for o in ranked] == [("d", 2000), ("b", 2000), ("c", 1500), ("a", 500)]
    # below the threshold the 满减 coupons drop out
    ranked = offers(held, 10000, now_ms=1_000)
    assert [(o.coupon.claim, o.discount) for o in ranked] == [("c", 1000), ("a", 500)]
    best = best_coupon(held, 3000, now_ms=1_000)
    assert best is not None and best.coupon.claim == "a" and best.discount == 500
    assert best_coupon(held, 3000, now_ms=20_000) is None


def test_a_batch_status_follows_its_clock_not_only_what_was_stored() -> None:
    window = {"ends_at": 10_000, "remaining": 5, "valid_for_ms": 60_000}
    assert batch_status("active", 9_999, **window) == "active"
    assert batch_status("active", 10_000, **window) == "ended"  # the claim window ran out: no host action
    assert batch_status("ended", 5_000, **window) == "ended"  # the host ended it early
    assert batch_status("active", 5_000, ends_at=10_000, remaining=0, valid_for_ms=60_000) == "exhausted"
    assert batch_status("active", 70_000, **window) == "expired"  # no coupon of it can be used any more
    assert batch_status("ended", 20_000, ends_at=10_000, remaining=5, valid_until=15_000) == "expired"
    assert batch_status("active", 12_000, ends_at=10_000, remaining=5, valid_until=15_000) == "ended"
