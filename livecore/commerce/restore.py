"""Rebuilding what Redis lost from PostgreSQL (``livecore restore``): the core's flash sales here, then every
registered feature's part (``Feature.restore``: coupon batches, open lotteries, red packets, open polls), in
registry order.

PostgreSQL holds the sale's definition and every order the worker persisted (with the idempotency key of the
attempt that created it). From them, for each sale Redis no longer holds:

1. every order's hash (status, user, units, amount, deadline), the sale's set of order ids, the room's
   payment deadlines for reserved orders and its buyers;
2. each user's units (reserved or paid), for the per-user limit;
3. each order's idempotency record, built with ``SaleKeys.idem`` from the stored key, so a client retrying a
   key whose order was persisted gets that order back instead of buying again;
4. last, in one script (``sale_restore.lua``), the sale hash and its stock = quantity minus the units of its
   live orders. Until this step the sale is missing, and purchases answer ``unavailable``.

Orders acknowledged by Redis but not yet persisted when it lost its data are not in PostgreSQL and cannot come
back (``LIVECORE_DURABILITY=replica`` or ``fsync`` exist to make that set empty); reconcile reports the sale as
restored. A sale Redis still holds is never touched, so running restore twice is harmless.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..features import registry
from ..features.base import Restored, RestoreScope, resolve
from ..ranking.created import mark_all_created
from ..runtime import Runtime
from .sale_keys import SaleKeys
from .sales import SalesService

LIVE = ("reserved", "paid")
CHUNK = 2000  # orders per pipeline


@dataclass(slots=True)
class SaleRestore:
    sale: str
    room: str
    restored: bool  # False: Redis still held it (left alone)
    orders: int = 0
    stock: int = 0
    sold: int = 0
    keys: int = 0  # idempotency records written

    def text(self) -> str:
        if not self.restored:
            return f"sale {self.sale} in room {self.room}: present in Redis, left alone"
        return (f"sale {self.sale} in room {self.room}: restored, {self.orders} orders, stock {self.stock}, "
                f"sold {self.sold}, {self.keys} idempotency records")

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(slots=True)
class RestoreReport:
    """What one restore looked at: the sales, then each feature's records (feature name -> items), in the
    order they were restored."""

    sales: list[SaleRestore] = field(default_factory=list)
    features: dict[str, list[Restored]] = field(default_factory=dict)

    def of(self, feature: str) -> list[Any]:
        """One feature's items (its own item type: ``BatchRestore`` for coupons, ...); [] when out of scope."""
        return list(self.features.get(feature, []))

    def parts(self) -> dict[str, list[Restored]]:
        return {"sales": list(self.sales), **self.features}

    def text(self) -> str:
        lines = [item.text() for items in self.parts().values() for item in items] or ["nothing to restore"]
        for name, items in self.parts().items():
            done = sum(1 for item in items if item.restored)
            lines.append(f"{name}: {done} restored, {len(items) - done} left alone")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {name: [item.as_dict() for item in items] for name, items in self.parts().items()}


def _ms(at: datetime | None) -> int:
    return int(at.timestamp() * 1000) if at is not None else 0


async def restore(rt: Runtime, scope: RestoreScope | None = None) -> RestoreReport:
    """Restore what PostgreSQL holds and Redis does not: every sale, then every feature's records (``scope``
    narrows it to a room, a feature, one record). Only the full restore lifts "restore required"."""
    if rt.db is None:
        raise RuntimeError("restore needs the database")
    scope = scope or RestoreScope()
    report = RestoreReport()
    if scope.covers("sales"):
        report.sales = await _restore_sales(rt, room=scope.room, sale=scope.only("sales"))
    for name, target in registry.restorers():
        if scope.covers(name):
            report.features[name] = list(await resolve(target)(rt, scope))
    if scope.everything:
        await mark_all_created(rt)  # a Redis that came back empty knows no room: gateways would refuse every join
        if rt.generation is not None:
            await rt.generation.restored()  # every room is back: commerce may answer not_found again
    return report


async def _restore_sales(rt: Runtime, *, room: str | None, sale: str | None) -> list[SaleRestore]:
    assert rt.db is not None
    out: list[SaleRestore] = []
    retention = rt.settings.sale_retention_s
    now = int(rt.clock.now() * 1000)
    rows = await rt.db.fetch(
        """SELECT * FROM sales WHERE ($1::text IS NULL OR room_id = $1) AND ($2::text IS NULL OR id = $2)
              AND ends_at > to_timestamp($3::double precision / 1000) ORDER BY room_id, id""",
        room, sale, now - retention * 1000)
    sales = SalesService(rt)
    try:
        for row in rows:
            out.append(await _restore_sale(rt, sales, row, now))
    finally:
        await sales.close()
    return out


async def _restore_sale(rt: Runtime, sales: SalesService, row: Any, now: int) -> SaleRestore:
    k = SaleKeys(rt.keys)
    room, sid = row["room_id"], row["id"]
    if await rt.redis.exists(k.sale(room, sid)):
        return SaleRestore(sid, room, restored=False)
    orders = await rt.db.fetch(  # type: ignore[union-attr]
        """SELECT id, user_id, qty, amount, status, created_at, expires_at, product_id, sku_id, idem_key
           FROM orders WHERE sale_id = $1 ORDER BY created_at""", sid)
    units: dict[str, int] = defaultdict(int)
    idem_ttl = sales.idem_ttl_s
    written = 0
    for i in range(0, len(orders), CHUNK):
        pipe = rt.redis.pipeline(transaction=False)
        for o in orders[i:i + CHUNK]:
            oid, user, qty, amount = o["id"], o["user_id"], int(o["qty"]), int(o["amount"])
            created, expires = _ms(o["created_at"]), _ms(o["expires_at"])
            pipe.hset(k.order(room, oid), mapping={
                "sale": sid, "user": user, "qty": qty, "amount": amount, "product": o["product_id"],
                "sku": o["sku_id"], "status": o["status"], "created_at": created, "expires_at": expires,
                "session": ""})
            pipe.expire(k.order(room, oid), sales.order_ttl_s)
            pipe.sadd(k.sale_orders(room, sid), oid)
            pipe.sadd(k.buyers(room), user)
            if o["status"] == "reserved":
                pipe.zadd(k.deadlines(room), {oid: expires})
            if o["status"] in LIVE:
                units[user] += qty
            left_s = idem_ttl - (now - created) // 1000
            if o["idem_key"] and left_s > 0:
                pipe.set(k.idem(room, sid, user, o["idem_key"]), f"{oid}|{amount}|{expires}", ex=left_s)
                written += 1
        await pipe.execute()
    users = list(units.items())
    for i in range(0, len(users), CHUNK):
        await rt.redis.hset(k.users(room, sid), mapping=dict(users[i:i + CHUNK]))
    sold = sum(units.values())
    quantity = int(row["quantity"])
    stock = max(0, quantity - sold)
    ends = _ms(row["ends_at"])
    if row["stopped_at"] is not None:
        ends = min(ends, _ms(row["stopped_at"]))
    starts = min(_ms(row["starts_at"]), ends)
    done = await rt.scripts.call(
        "sale_restore", keys=[k.sale(room, sid), k.stock(room, sid), k.room_sales(room)],
        args=[sid, quantity, stock, sold, now, "room", room, "product", row["product_id"], "sku", row["sku_id"],
              "title", row["title"], "price", int(row["price"]), "per_user", int(row["per_user"]),
              "starts_at", starts, "ends_at", ends])
    pipe = rt.redis.pipeline(transaction=False)
    pipe.sadd(k.order_rooms(), room)
    pipe.sadd(k.interaction_rooms(), room)
    pipe.zadd(k.sale_timeline(), {f"{room}|{sid}": starts})
    await pipe.execute()
    if not done:  # another restore (or a host) got there first
        return SaleRestore(sid, room, restored=False)
    await sales.stock.publish_now(room, sid)
    if await sales.advance(room, sid) == "":  # still scheduled (or between edges): put it back in the room state
        await rt.bus.set_state(room, {f"sale:{sid}": await sales.state(room, sid)})
    return SaleRestore(sid, room, restored=True, orders=len(orders), stock=stock, sold=sold, keys=written)
