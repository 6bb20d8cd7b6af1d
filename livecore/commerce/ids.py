"""Identifiers handed out by the commerce services (pure).

An order id carries its room (``<room>.<hex>``): ``/api/orders/{id}`` finds the order's keys (all under the
room's hash tag) without a global index and without a round trip. The hex part is time-ordered milliseconds
plus 48 random bits, so ids stay unique across Redis restarts without any counter in Redis.
"""

from __future__ import annotations

import secrets
import time

_SEP = "."


def new_order_id(room: str, now_ms: int | None = None) -> str:
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    return f"{room}{_SEP}{ms:011x}{secrets.token_hex(6)}"


def room_of(order_id: str) -> str | None:
    """The room an order id belongs to, or None when the id is malformed."""
    room, sep, tail = order_id.rpartition(_SEP)
    if not sep or not room or len(tail) < 12:
        return None
    return room


def new_sale_id() -> str:
    return "s" + secrets.token_hex(5)
