"""Room state values of the commerce features: ``sale:<id>``, ``coupon:<id>``, ``lottery``, ``product``.

Each is what its publisher writes and what the REST API answers for the same object (``SalesService.get``,
``CouponService.batch``, ``LotteryService.get``, the product pushed to screen), so the two never drift. Times are
epoch milliseconds, money integer cents.
"""

from __future__ import annotations

from typing import Literal

import msgspec
from msgspec import UNSET, UnsetType


class _State(msgspec.Struct, forbid_unknown_fields=True):
    """Every field is always written (``null`` included), except ``UNSET`` ones, which are left out."""


class SaleState(_State):
    """``sale:<id>``: a flash sale. ``stock`` is the stock when the sale was last published; the live figure is
    the ``stock:<id>`` key. ``phase`` is what has been announced, ``status`` what the sale is at publication."""

    id: str
    room: str
    product: str
    sku: str
    title: str
    price: int
    quantity: int  # units put on sale
    per_user: int  # units one user may buy
    starts_at: int
    ends_at: int  # exclusive
    sold: int
    stock: int
    phase: Literal["scheduled", "started", "ended"]
    status: Literal["scheduled", "active", "sold_out", "ended"]


class CouponState(_State):
    """``coupon:<id>``: a coupon batch whose claim window is open or recently closed (``null`` once ended)."""

    id: str
    room: str
    title: str
    kind: Literal["fixed", "threshold", "percent"]
    amount: int  # cents off (fixed, threshold)
    threshold: int  # order amount from which a threshold coupon applies
    percent: int  # percent off (percent)
    cap: int  # largest discount of a percent coupon (0: none)
    total: int  # coupons in the batch
    remaining: int  # coupons left to claim
    per_user: int
    starts_at: int  # claim window
    ends_at: int
    valid_from: int | None  # validity of a claimed coupon
    valid_until: int | None
    valid_for_s: int  # lifetime after the claim (0: none)
    status: Literal["active", "exhausted", "ended", "expired"]
    redeemed: int


class LotteryState(_State):
    """``lottery``: the room's open lottery, or the last one drawn. ``winners``, ``seed``, ``entries_digest``
    and ``names`` (winner id -> display name) are present once it is drawn."""

    id: str
    room: str
    prize: str
    winners_count: int
    condition: Literal["keyword", "follow", "watch", "purchase"]
    keyword: str
    watch_s: int
    opened_at: int
    ends_at: int
    seed_hash: str
    status: Literal["open", "drawing", "drawn", "cancelled"]
    entries: int
    winners: list[str] | UnsetType = UNSET
    seed: str | UnsetType = UNSET
    entries_digest: str | UnsetType = UNSET
    names: dict[str, str] | UnsetType = UNSET


class ProductState(_State):
    """``product``: the product on screen (讲解中); ``null`` when nothing is."""

    id: str
    title: str
    image: str
    price: int  # its lowest SKU price
    list_price: int
    sku: str | None  # its first SKU
    since: int  # when it was pushed
