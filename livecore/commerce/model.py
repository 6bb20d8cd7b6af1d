"""Sales as data, and the pure rules about them (no I/O; time is passed in).

Times on the API and in Redis are epoch **milliseconds** (integers), money is integer cents.
"""

from __future__ import annotations

from typing import Any, Literal, cast

import msgspec

from ..protocol.ids import valid_sale_id
from ..protocol.limits import EpochMs, PerUser, Price, Stock
from ..protocol.state_commerce import SaleState

MAX_KEY_CHARS = 128
SaleStatus = Literal["scheduled", "active", "sold_out", "ended"]


class SaleSpec(msgspec.Struct, forbid_unknown_fields=False):
    """What a host sends to create a sale (``POST /api/rooms/{room}/sales``)."""

    product: str
    price: Price  # cents per unit
    quantity: Stock
    ends_at: EpochMs  # epoch ms, exclusive
    starts_at: EpochMs | None = None  # epoch ms, inclusive; None starts now
    per_user: PerUser = 1
    sku: str = ""
    title: str = ""
    id: str | None = None  # optional client-chosen id: creating twice with it is a no-op


def validate_spec(spec: SaleSpec, now_ms: int) -> str | None:
    """Why the spec is refused, or None when it is acceptable."""
    if not spec.product or len(spec.product) > 64:
        return "product must be 1-64 characters"
    if spec.price < 0:
        return "price must be >= 0 cents"
    if not 1 <= spec.quantity <= 10_000_000:
        return "quantity must be between 1 and 10000000"
    if not 1 <= spec.per_user <= 1000:
        return "per_user must be between 1 and 1000"
    starts = now_ms if spec.starts_at is None else spec.starts_at
    if spec.ends_at <= starts:
        return "ends_at must be after starts_at"
    if spec.ends_at <= now_ms:
        return "ends_at is in the past"
    if spec.id is not None and not valid_sale_id(spec.id):
        return "id must be 1-40 characters of [A-Za-z0-9_-]"
    return None


def valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_CHARS


def sale_status(starts_at: int, ends_at: int, stock: int, now_ms: int) -> SaleStatus:
    """``scheduled`` | ``active`` | ``sold_out`` | ``ended`` as a viewer would describe the sale now."""
    if now_ms >= ends_at:
        return "ended"
    if now_ms < starts_at:
        return "scheduled"
    return "active" if stock > 0 else "sold_out"


def sale_state(sale_id: str, fields: dict[bytes, bytes], stock: int | None, now_ms: int) -> SaleState:
    """The ``sale:<id>`` room state value of a sale (also its API answer) from its Redis hash."""
    raw = {k.decode(): v.decode() for k, v in fields.items()}
    ints = {name: int(raw.get(name, "0")) for name in ("price", "quantity", "per_user", "starts_at", "ends_at", "sold")}
    left = int(stock or 0)
    return SaleState(
        id=sale_id, room=raw.get("room", ""), product=raw.get("product", ""), sku=raw.get("sku", ""),
        title=raw.get("title", ""), price=ints["price"], quantity=ints["quantity"], per_user=ints["per_user"],
        starts_at=ints["starts_at"], ends_at=ints["ends_at"], sold=ints["sold"], stock=left,
        phase=cast(Any, raw.get("phase", "scheduled")),
        status=sale_status(ints["starts_at"], ints["ends_at"], left, now_ms))
