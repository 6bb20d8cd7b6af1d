"""The order persister: each room's orders stream -> ``orders`` + ``order_status_history`` (+ ``payments``).

Entries (written by ``sale_buy.lua``, ``order_pay.lua``, ``order_expire.lua``) are self-contained: every kind
carries the order's creation fields, so whichever entry of an order is persisted first (a reclaimed entry may
arrive after a later one) creates the row, and status changes only ever move a ``reserved`` order forward.
Everything is ``ON CONFLICT DO NOTHING`` / conditional, so replaying any entry any number of times is a no-op.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from ..commerce.ids import room_of
from ..commerce.sale_keys import SaleKeys
from ..runtime import Runtime
from .outbox import Entry, RoomOutbox

GROUP = "orders"


class BadEntry(ValueError):
    """An entry that can never be persisted (it will be dead-lettered)."""


def _dt(ms: bytes | str) -> datetime:
    return datetime.fromtimestamp(int(ms) / 1000, tz=UTC)


def _text(fields: dict[bytes, bytes], name: bytes, default: str | None = None) -> str:
    value = fields.get(name)
    if value is None:
        if default is None:
            raise BadEntry(f"field {name.decode()} missing")
        return default
    return value.decode()


async def persist_orders(conn: asyncpg.Connection, entries: list[Entry]) -> None:
    created: list[tuple[Any, ...]] = []
    paid: list[tuple[Any, ...]] = []
    expired: list[tuple[Any, ...]] = []
    payments: list[tuple[Any, ...]] = []
    history: list[tuple[Any, ...]] = []
    for entry_id, f in entries:
        try:
            kind = _text(f, b"k")
            oid = _text(f, b"o")
            room = room_of(oid)
            if room is None:
                raise BadEntry(f"malformed order id {oid!r}")
            created.append((oid, _text(f, b"s"), room, _text(f, b"u"), _text(f, b"p", ""), _text(f, b"sku", ""),
                            int(f[b"q"]), int(f[b"a"]), "reserved", _dt(f[b"t"]), _dt(f[b"x"]),
                            entry_id if kind == "order" else "", _text(f, b"ik", "")))
            if kind == "order":
                history.append((oid, "reserved", _dt(f[b"t"]), entry_id, {}))
            elif kind == "paid":
                at = _dt(f[b"pt"])
                coupon = _text(f, b"c", "") or None
                paid.append((oid, at, int(f[b"pa"]), int(f[b"d"]), coupon, _text(f, b"ref")))
                payments.append((_text(f, b"pv"), _text(f, b"ref"), oid, int(f[b"pa"]), "succeeded", at))
                history.append((oid, "paid", at, entry_id, {}))
            elif kind == "expired":
                at = _dt(f[b"et"])
                expired.append((oid, at))
                history.append((oid, "expired", at, entry_id, {}))
            else:
                raise BadEntry(f"unknown entry kind {kind!r}")
        except (KeyError, ValueError) as exc:
            raise BadEntry(f"entry {entry_id}: {exc!r}") from exc
    await conn.executemany(
        """INSERT INTO orders (id, sale_id, room_id, user_id, product_id, sku_id, qty, amount, status, created_at,
                               expires_at, stream_id, idem_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (id) DO UPDATE SET idem_key = EXCLUDED.idem_key
           WHERE orders.idem_key = '' AND EXCLUDED.idem_key <> ''""", created)
    if paid:
        await conn.executemany(
            """UPDATE orders SET status = 'paid', paid_at = $2, paid_amount = $3, discount = $4, coupon_claim = $5,
                                 payment_ref = $6
               WHERE id = $1 AND status = 'reserved'""", paid)
        await conn.executemany(
            """INSERT INTO payments (provider, ref, order_id, amount, status, received_at)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""", payments)
    if expired:
        await conn.executemany(
            "UPDATE orders SET status = 'expired', expired_at = $2 WHERE id = $1 AND status = 'reserved'", expired)
    await conn.executemany(
        """INSERT INTO order_status_history (order_id, status, at, stream_id, detail)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING""", history)


def order_persister(rt: Runtime, consumer: str, **options: Any) -> RoomOutbox:
    keys = SaleKeys(rt.keys)
    return RoomOutbox(rt, keys.order_rooms(), keys.orders_stream, GROUP, consumer, persist_orders, **options)
