"""Sales as data, and the pure rules about them (no I/O; time is passed in).

Times on the API and in Redis are epoch **milliseconds** (integers), money is integer cents.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ..protocol.ids import valid_sale_id
from ..protocol.limits import EpochMs, PerUser, Price, Stock

MAX_KEY_CHARS = 128


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


def sale_status(starts_at: int, ends_at: int, stock: int, now_ms: int) -> str:
    """``scheduled`` | ``active`` | ``sold_out`` | ``ended`` as a viewer would describe the sale now."""
    if now_ms >= ends_at:
        return "ended"
    if now_ms < starts_at:
        return "scheduled"
    return "active" if stock > 0 else "sold_out"


_INT_FIELDS = ("price", "quantity", "per_user", "starts_at", "ends_at", "sold")


def sale_view(sale_id: str, fields: dict[bytes, bytes], stock: int | None, now_ms: int) -> dict[str, Any]:
    """The JSON object of a sale (API answers and the ``sale:<id>`` room state) from its Redis hash."""
    raw = {k.decode(): v.decode() for k, v in fields.items()}
    view: dict[str, Any] = {"id": sale_id, "room": raw.get("room", ""), "product": raw.get("product", ""),
                            "sku": raw.get("sku", ""), "title": raw.get("title", "")}
    for name in _INT_FIELDS:
        view[name] = int(raw.get(name, "0"))
    view["stock"] = int(stock or 0)
    view["phase"] = raw.get("phase", "scheduled")
    view["status"] = sale_status(view["starts_at"], view["ends_at"], view["stock"], now_ms)
    return view
