"""Reconciliation of one sale: Redis counters and orders vs the orders stream vs PostgreSQL.

``compare`` is pure (the three views in, differences out); ``reconcile`` gathers the views. A healthy, drained
sale has: quantity - stock == sold == units of its live (reserved or paid) orders; the same order ids in Redis,
in the stream and in PostgreSQL; one creation entry per order; and the same status in Redis and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from .. import replies
from ..runtime import Runtime
from .sale_keys import SaleKeys

LIVE = ("reserved", "paid")


@dataclass(frozen=True, slots=True)
class OrderFacts:
    status: str
    qty: int


@dataclass(frozen=True, slots=True)
class Difference:
    kind: str
    message: str
    orders: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    sale: str
    room: str
    quantity: int
    stock: int
    sold: int
    redis_orders: int
    stream_orders: int
    pg_orders: int
    differences: list[Difference]

    @property
    def ok(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ok"] = self.ok
        return out

    def text(self) -> str:
        lines = [f"sale {self.sale} in room {self.room}: quantity {self.quantity}, stock {self.stock}, "
                 f"sold {self.sold}",
                 f"orders: redis {self.redis_orders}, stream {self.stream_orders}, postgresql {self.pg_orders}"]
        for d in self.differences:
            ids = ", ".join(d.orders[:20]) + (f" ... (+{len(d.orders) - 20})" if len(d.orders) > 20 else "")
            lines.append(f"DIFFERENCE {d.kind}: {d.message}" + (f": {ids}" if ids else ""))
        lines.append("OK: Redis, stream and PostgreSQL agree" if self.ok else
                     f"{len(self.differences)} difference(s)")
        return "\n".join(lines)


def compare(*, quantity: int, stock: int, sold: int, redis: dict[str, OrderFacts], stream: list[str],
            pg: dict[str, OrderFacts], restored: set[str] | frozenset[str] = frozenset()) -> list[Difference]:
    """``stream`` is the order id of every creation entry of the sale, in stream order (duplicates kept).
    ``restored``: orders ``livecore restore`` brought back from PostgreSQL (they have no stream entry)."""
    out: list[Difference] = []
    if quantity - stock != sold:
        out.append(Difference("counters", f"quantity {quantity} - stock {stock} != sold {sold}"))
    live_units = sum(f.qty for f in redis.values() if f.status in LIVE)
    if live_units != sold:
        out.append(Difference("sold_vs_orders", f"sold counter {sold} != {live_units} units in reserved/paid orders"))
    dups = sorted(oid for oid, n in Counter(stream).items() if n > 1)
    if dups:
        out.append(Difference("duplicate_in_stream", "orders with more than one creation entry", dups))
    in_stream = set(stream) | set(restored)
    _missing(out, "not_in_redis", "PostgreSQL orders Redis does not know", set(pg) - set(redis))
    _missing(out, "missing_in_stream", "orders in Redis without a stream entry", set(redis) - in_stream)
    _missing(out, "unknown_in_stream", "stream entries for orders Redis does not know", in_stream - set(redis))
    _missing(out, "not_persisted", "stream entries not in PostgreSQL", in_stream - set(pg))
    _missing(out, "unknown_in_pg", "PostgreSQL orders without a stream entry", set(pg) - in_stream)
    mismatched = sorted(oid for oid, f in redis.items() if oid in pg and pg[oid].status != f.status)
    if mismatched:
        out.append(Difference("status_mismatch", "status in Redis differs from PostgreSQL", mismatched))
    return out


def _missing(out: list[Difference], kind: str, message: str, ids: set[str]) -> None:
    if ids:
        out.append(Difference(kind, message, sorted(ids)))


class SaleNotFound(LookupError):
    pass


async def _redis_lost(rt: Runtime, sale: str, room: str) -> Report:
    """PostgreSQL holds the sale, Redis has nothing: report what PostgreSQL knows and the loss."""
    if rt.db is None:
        raise SaleNotFound(f"no sale {sale} in Redis (room {room})")
    row = await rt.db.fetchrow("SELECT quantity FROM sales WHERE id = $1 AND room_id = $2", sale, room)
    if row is None:
        raise SaleNotFound(f"no sale {sale} in Redis or PostgreSQL (room {room})")
    orders = await rt.db.fetch("SELECT id, status, qty FROM orders WHERE sale_id = $1", sale)
    live = sum(int(r["qty"]) for r in orders if r["status"] in LIVE)
    ids = sorted(r["id"] for r in orders)
    diffs = [Difference("missing_in_redis", f"PostgreSQL holds the sale ({len(orders)} orders, {live} live units) "
                        "but Redis has nothing: Redis lost its data; orders acknowledged and not yet persisted are "
                        "lost with it. Nothing sells until `livecore restore`")]
    if ids:
        diffs.append(Difference("not_in_redis", "PostgreSQL orders Redis does not know", ids))
    return Report(sale=sale, room=room, quantity=int(row["quantity"]), stock=0, sold=0, redis_orders=0,
                  stream_orders=0, pg_orders=len(orders), differences=diffs)


async def reconcile(rt: Runtime, sale: str, room: str | None = None, chunk: int = 10_000) -> Report:
    k = SaleKeys(rt.keys)
    if room is None:
        if rt.db is None:
            raise SaleNotFound("the room is needed without a database")
        room = await rt.db.fetchval("SELECT room_id FROM sales WHERE id = $1", sale)
        if room is None:
            raise SaleNotFound(f"no sale {sale} in PostgreSQL")
    pipe = rt.redis.pipeline(transaction=False)
    pipe.hmget(k.sale(room, sale), "quantity", "sold")
    pipe.get(k.stock(room, sale))
    pipe.smembers(k.sale_orders(room, sale))
    pipe.hget(k.sale(room, sale), "restored_at")
    (quantity, sold), stock, members, restored_at = await pipe.execute()
    if quantity is None:
        return await _redis_lost(rt, sale, room)
    ids = sorted(m.decode() for m in members)
    redis: dict[str, OrderFacts] = {}
    for i in range(0, len(ids), chunk):
        pipe = rt.redis.pipeline(transaction=False)
        for oid in ids[i:i + chunk]:
            pipe.hmget(k.order(room, oid), "status", "qty")
        for oid, (status, qty) in zip(ids[i:i + chunk], await pipe.execute(), strict=True):
            if status is not None:
                redis[oid] = OrderFacts(status.decode(), int(qty))
    stream: list[str] = []
    start = "-"
    sale_b = sale.encode()
    while True:
        entries = replies.entries(await rt.redis.xrange(k.orders_stream(room), min=start, max="+", count=chunk))
        for _, f in entries:
            if f.get(b"s") == sale_b and f.get(b"k") == b"order":
                stream.append(f[b"o"].decode())
        if len(entries) < chunk:
            break
        start = "(" + entries[-1][0].decode()
    pg: dict[str, OrderFacts] = {}
    restored: set[str] = set()
    if rt.db is not None:
        for r in await rt.db.fetch("SELECT id, status, qty, created_at FROM orders "
                                   "WHERE sale_id = $1 AND room_id = $2", sale, room):
            pg[r["id"]] = OrderFacts(r["status"], r["qty"])
            if restored_at is not None and r["created_at"].timestamp() * 1000 <= int(restored_at):
                restored.add(r["id"])
    diffs = compare(quantity=int(quantity), stock=int(stock or 0), sold=int(sold or 0), redis=redis, stream=stream,
                    pg=pg, restored=restored)
    if restored_at is not None:
        diffs.append(Difference("restored", f"Redis lost this sale and it was restored from PostgreSQL at "
                                f"{int(restored_at)} ms: orders acknowledged but not persisted before the loss "
                                f"are gone ({len(restored)} orders restored)"))
    return Report(sale=sale, room=room, quantity=int(quantity), stock=int(stock or 0), sold=int(sold or 0),
                  redis_orders=len(ids), stream_orders=len(stream), pg_orders=len(pg), differences=diffs)
