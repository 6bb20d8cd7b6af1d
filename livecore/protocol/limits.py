"""Bounds of every amount and count a client may send, in one place for the API and the gateway.

Each bound is far above what a real shop needs and far below 2^53, so every value (and every product the
server forms from them: a price times a quantity, a duration in milliseconds) stays an exact integer in Lua,
in JSON numbers read by browsers, and in PostgreSQL ``bigint``. The constrained types below are used in the
msgspec Structs of the HTTP bodies and of the client frames, so an out-of-range value is refused when it is
decoded (HTTP 400 ``invalid``, a frame's ``invalid`` error), before any service sees it.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

MAX_PRICE = 1_000_000_000  # cents per unit (10 million in the currency's main unit)
MAX_QTY = 100  # units per purchase
MAX_STOCK = 10_000_000  # units of one sale
MAX_PER_USER = 1000  # units or coupons one user may hold of one sale or batch
MAX_COUPON_VALUE = MAX_PRICE  # cents: a fixed amount, a threshold or a percent coupon's cap
MAX_COUPONS = 10_000_000  # coupons in one batch
MAX_TOTAL = MAX_PRICE * MAX_QTY  # cents of one order, the most a payment can be for
MAX_EPOCH_MS = 32_503_680_000_000  # 3000-01-01: any time the API accepts, epoch milliseconds
MAX_DURATION_S = 10 * 366 * 86400  # ten years: any duration the API accepts, seconds
MAX_WATCH_S = 86400  # a watch-time lottery's condition
MAX_WINNERS = 10_000
MAX_LIKES_PER_FRAME = 100  # a tap burst
MAX_GIFTS_PER_FRAME = 9999
MAX_MUTE_S = 30 * 86400

assert MAX_TOTAL < 2**53 and MAX_EPOCH_MS + MAX_DURATION_S * 1000 < 2**53

Price = Annotated[int, msgspec.Meta(ge=0, le=MAX_PRICE)]
Qty = Annotated[int, msgspec.Meta(ge=1, le=MAX_QTY)]
Stock = Annotated[int, msgspec.Meta(ge=1, le=MAX_STOCK)]
PerUser = Annotated[int, msgspec.Meta(ge=1, le=MAX_PER_USER)]
CouponValue = Annotated[int, msgspec.Meta(ge=0, le=MAX_COUPON_VALUE)]
Percent = Annotated[int, msgspec.Meta(ge=0, le=100)]
Coupons = Annotated[int, msgspec.Meta(ge=1, le=MAX_COUPONS)]
Total = Annotated[int, msgspec.Meta(ge=0, le=MAX_TOTAL)]
EpochMs = Annotated[int, msgspec.Meta(ge=0, le=MAX_EPOCH_MS)]
DurationS = Annotated[int, msgspec.Meta(ge=0, le=MAX_DURATION_S)]
WatchS = Annotated[int, msgspec.Meta(ge=0, le=MAX_WATCH_S)]
Winners = Annotated[int, msgspec.Meta(ge=1, le=MAX_WINNERS)]
LikeCount = Annotated[int, msgspec.Meta(ge=1, le=MAX_LIKES_PER_FRAME)]
GiftCount = Annotated[int, msgspec.Meta(ge=1, le=MAX_GIFTS_PER_FRAME)]
MuteS = Annotated[int, msgspec.Meta(ge=1, le=MAX_MUTE_S)]


MAX_NESTING = 16  # arrays and objects inside each other in one client frame


def too_deep(frame: bytes, limit: int = MAX_NESTING) -> bool:
    """Does the JSON text nest arrays and objects more than ``limit`` deep? (Brackets inside strings do not
    count.) Counting the brackets first (in C) keeps the scan off every ordinary frame."""
    if frame.count(b"[") + frame.count(b"{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for byte in frame:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def bounded_int(raw: str, lo: int, hi: int) -> int | None:
    """A query parameter as an integer in ``[lo, hi]``, or None when it is not one."""
    if not raw.lstrip("-").isdigit() or len(raw) > 20:
        return None
    value = int(raw)
    return value if lo <= value <= hi else None
