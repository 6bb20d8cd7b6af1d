"""Reconciliation of one sale: Redis counters and orders vs the orders stream vs PostgreSQL.

``compare`` is pure (the three views in, differences out); ``reconcile`` gathers the views. A healthy, drained
sale has: quantity - stock == sold == units of its live (reserved or paid) orders; the same order ids in Redis,
in the stream and in PostgreSQL; one creation entry per order; and the same status in Redis and PostgreSQL.
Orders that expired unpaid gave their units back to the stock, which is why a healthy sale can have more orders
than units sold: the report counts the orders per status and names the expired ones (``explain``).
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
    statuses: dict[str, int] = field(default_factory=dict)  # Redis orders per status
    expired: list[str] = field(default_factory=list)  # orders that expired unpaid (their units back in stock)

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
                 f"orders: redis {self.redis_orders}, stream {self.stream_orders}, postgresql {self.pg_orders}"
                 + (" (" + ", ".join(f"{n} {st}" for st, n in sorted(self.statuses.items())) + ")"
                    if self.statuses else "")]
        if self.expired:
            lines.append(f"expired unpaid, units back in stock: {_ids(self.expired)}")
        for d in self.differences:
            ids = _ids(d.orders)
            lines.append(f"DIFFERENCE {d.kind}: {d.message}" + (f": {ids}" if ids else ""))
        lines.append("OK: Redis, stream and PostgreSQL agree" if self.ok else
                     f"{len(self.differences)} difference(s)")
        return "\n".join(lines)


def _ids(orders: list[str], n: int = 20) -> str:
    return ", ".join(orders[:n]) + (f" ... (+{len(orders) - n})" if len(orders) > n else "")


def explain(redis: dict[str, OrderFacts]) -> tuple[dict[str, int], list[str]]:
    """Orders per status, and the expired ones by id (pure)."""
    statuses = dict(Counter(f.status for f in redis.values()))
    return statuses, sorted(oid for oid, f in redis.items() if f.status == "expired")


def compare(*, quantity: int, stock: int, sold: int, redis: dict[str, OrderFacts], stream: list[str],
            pg: dict[str, OrderFacts]) -> list[Difference]:
    """``stream`` is the order id of every creation entry of the sale, in stream order (duplicates kept)."""
    out: list[Difference] = []
    if quantity - stock != sold:
        out.append(Difference("counters", f"quantity {quantity} - stock {stock} != sold {sold}"))
    live_units = sum(f.qty for f in redis.values() if f.status in LIVE)
    if live_units != sold:
        out.append(Difference("sold_vs_orders", f"sold counter {sold} != {live_units} units in reserved/paid orders"))
    dups = sorted(oid for oid, n in Counter(stream).items() if n > 1)
    if dups:
        out.append(Difference("duplicate_in_stream", "orders with more than one creation entry", dups))
    in_stream = set(stream)
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
    (quantity, sold), stock, members = await pipe.execute()
    if quantity is None:
        raise SaleNotFound(f"no sale {sale} in Redis (room {room})")
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
    if rt.db is not None:
        for r in await rt.db.fetch("SELECT id, status, qty FROM orders WHERE sale_id = $1", sale):
            pg[r["id"]] = OrderFacts(r["status"], r["qty"])
    diffs = compare(quantity=int(quantity), stock=int(stock or 0), sold=int(sold or 0), redis=redis, stream=stream,
                    pg=pg)
    statuses, expired = explain(redis)
    return Report(sale=sale, room=room, quantity=int(quantity), stock=int(stock or 0), sold=int(sold or 0),
                  redis_orders=len(ids), stream_orders=len(stream), pg_orders=len(pg), differences=diffs,
                  statuses=statuses, expired=expired)
