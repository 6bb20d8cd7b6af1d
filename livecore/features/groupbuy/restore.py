"""Putting the group deals Redis lost back from PostgreSQL (group-buy's part of ``livecore restore``).

PostgreSQL holds each deal as the host made it (``group_deals``), every group the worker persisted
(``buy_groups``: leader, size, deadline, status, ``pay_by``) and every member (``group_members``: order id, place,
join key and time, status, payment). For each deal in scope that Redis no longer holds, and that still matters
(its window is open, or a member is still ``reserved`` or ``confirmed``), ``rebuild`` (pure) derives:

1. each group's hash with its members in place order, their payments and ``u:<user>`` places, ``told`` set (the
   room heard of the settled ones already; a group settled but never told stays silent rather than told twice),
   and what was restored (``rs`` members, the status ``rst``, ``rp<i>`` payments: the outbox stream began again
   empty, so reconciliation expects no entries for them);
2. the deal's open groups and the room's timers at their deadlines, the payment zset at the ``pay_by`` of complete
   groups with members still to pay, the per-user holds (open and confirmed members), the deal's group set;
3. every member's idempotency record, so a retried open or join with the same key replays its first answer;
4. last, the deal hash with its counters recomputed from the members (``units == left + reserved + confirmed``),
   so nothing can join the deal before its groups are back.

Opens, joins and payments Redis acknowledged but the worker had not persisted when Redis lost its data are not in
PostgreSQL and cannot come back (``LIVECORE_DURABILITY=replica`` or ``fsync`` make that set empty): a lost join
leaves its place free again, a lost payment leaves the member to pay again within the window. Run it once the
``groupbuy`` worker has drained. Deals Redis still holds are left alone, so running it twice is harmless.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...commerce.state_publish import ms
from ...runtime import Runtime
from ..base import RestoreScope
from .keys import GroupKeys
from .service import KEEP_S, GroupBuyService

PAYMENT = {"paid": "paid", "lapsed": "lapsed"}  # a member's status -> its payment field in the group hash


Fields = dict[Any, str | int]  # a hash's fields (keys typed Any: redis-py's mapping type is invariant in them)


@dataclass(slots=True)
class Rebuilt:
    """What Redis should hold for one deal (pure data)."""

    deal: Fields
    groups: dict[str, Fields] = field(default_factory=dict)
    open: dict[str, int] = field(default_factory=dict)  # group -> deadline
    pay_due: dict[str, int] = field(default_factory=dict)  # group -> pay_by
    users: Fields = field(default_factory=dict)  # user -> units held
    idem: list[tuple[str, str, str]] = field(default_factory=list)  # (user, key, record)


def _ms(value: dt.datetime | None) -> int:
    return ms(value.timestamp()) if value is not None else 0


def rebuild(deal: Mapping[str, Any], groups: Sequence[Mapping[str, Any]],
            members: Sequence[Mapping[str, Any]]) -> Rebuilt:
    """The Redis records of ``deal`` from its PostgreSQL rows (``buy_groups`` and ``group_members`` rows)."""
    by_group: dict[str, list[Mapping[str, Any]]] = {}
    for m in sorted(members, key=lambda m: (m["group_id"], m["seq"])):
        by_group.setdefault(m["group_id"], []).append(m)
    price, size = int(deal["price"]), int(deal["size"])
    out = Rebuilt(deal={})
    status_count: Counter[str] = Counter()
    group_count: Counter[str] = Counter()
    held: Counter[str] = Counter()
    for g in groups:
        gid, status = g["id"], g["status"]
        group_count[status] += 1
        place = by_group.get(gid, [])
        deadline = _ms(g["deadline"])
        h: Fields = {"id": gid, "deal": deal["id"], "leader": g["leader"], "size": int(g["size"]), "price": price,
                     "opened_at": _ms(g["opened_at"]), "deadline": deadline, "status": status, "n": len(place),
                     "rs": len(place), "rst": status}  # what was restored (reconcile reads them)
        if status != "open":
            h["told"] = 1
            if g["settled_at"] is not None:
                h["settled_at"] = _ms(g["settled_at"])
        if g["pay_by"] is not None:
            h["pay_by"] = _ms(g["pay_by"])
        paid = lapsed = 0
        for i, m in enumerate(place, start=1):
            user, st = m["user_id"], m["status"]
            status_count[st] += 1
            h.update({f"m{i}": user, f"o{i}": m["order_id"], f"k{i}": m["join_key"], f"t{i}": _ms(m["joined_at"]),
                      f"u:{user}": i})
            if st in PAYMENT:
                h[f"ps{i}"] = PAYMENT[st]
                h[f"rp{i}"] = 1
                h[f"pa{i}"] = _ms(m["paid_at"] or m["settled_at"])
                if st == "paid":
                    h[f"pr{i}"] = m["payment_ref"] or ""
                    paid += 1
                else:
                    lapsed += 1
            if st in ("reserved", "confirmed", "paid"):
                held[user] += 1
            complete_now = status == "complete" and i == int(g["size"])
            out.idem.append((user, m["join_key"], f"{gid}|{m['order_id']}|{i}|{int(g['size']) - i}|{deadline}|"
                                                  f"{'complete' if complete_now else 'open'}"))
        if paid:
            h["paid"] = paid
        if lapsed:
            h["lapsed"] = lapsed
        if status == "open":
            out.open[gid] = deadline
        elif status == "complete" and "pay_by" in h and paid + lapsed < len(place):
            out.pay_due[gid] = int(h["pay_by"])
        out.groups[gid] = h
    units = int(deal["units"])
    reserved = status_count["reserved"]
    confirmed = status_count["confirmed"] + status_count["paid"]
    out.deal = {
        "id": deal["id"], "room": deal["room_id"], "product": deal["product_id"], "title": deal["title"],
        "size": size, "price": price, "fill_ms": int(deal["fill_s"]) * 1000, "per_user": int(deal["per_user"]),
        "starts_at": _ms(deal["starts_at"]), "ends_at": _ms(deal["ends_at"]),
        "status": "open" if deal["ended_at"] is None else "ended", "units": units,
        "left": units - reserved - confirmed, "reserved": reserved, "confirmed": confirmed,
        "released": status_count["released"], "paid": status_count["paid"], "lapsed": status_count["lapsed"],
        "opened": len(groups), "completed": group_count["complete"], "dissolved": group_count["dissolved"],
    }
    if deal["ended_at"] is not None:
        out.deal["ended_at"] = _ms(deal["ended_at"])
    out.users = dict(held)
    return out


@dataclass(slots=True)
class DealRestore:
    deal: str
    room: str
    restored: bool
    groups: int = 0
    members: int = 0
    open: int = 0  # open groups put back (the timer dissolves those past their deadline)
    left: int = 0
    why: str = ""

    def text(self) -> str:
        if not self.restored:
            return f"group deal {self.deal} in room {self.room}: left alone ({self.why})"
        return (f"group deal {self.deal} in room {self.room}: restored, {self.groups} groups ({self.open} open), "
                f"{self.members} members, {self.left} units left")

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


async def restore(rt: Runtime, scope: RestoreScope) -> list[DealRestore]:
    """Every group deal of PostgreSQL (in ``scope``) that still matters and Redis does not hold."""
    assert rt.db is not None
    svc = GroupBuyService(rt)
    try:
        now = svc.now_ms()
        rows = await rt.db.fetch(
            """SELECT * FROM group_deals d WHERE ($1::text IS NULL OR room_id = $1) AND ($2::text IS NULL OR id = $2)
                 AND (d.ends_at > $3 OR EXISTS (SELECT 1 FROM group_members m WHERE m.deal_id = d.id
                                                AND m.status IN ('reserved', 'confirmed')))
               ORDER BY room_id, created_at""",
            scope.room, scope.only("groupbuy"), dt.datetime.fromtimestamp(now / 1000, dt.UTC))
        return [await _restore_deal(rt, svc, row, now) for row in rows]
    finally:
        await svc.close()


async def _restore_deal(rt: Runtime, svc: GroupBuyService, row: Any, now: int) -> DealRestore:
    room, deal = row["room_id"], row["id"]
    k = GroupKeys(rt.keys)
    if await rt.redis.exists(k.deal(room, deal)):
        return DealRestore(deal, room, restored=False, why="present in Redis")
    assert rt.db is not None
    groups = await rt.db.fetch("SELECT * FROM buy_groups WHERE deal_id = $1 ORDER BY opened_at, id", deal)
    members = await rt.db.fetch("SELECT * FROM group_members WHERE deal_id = $1", deal)
    built = rebuild(row, groups, members)
    keep_s = max(0, (int(built.deal["ends_at"]) - now) // 1000) + KEEP_S
    pipe = rt.redis.pipeline(transaction=False)
    for gid, h in built.groups.items():
        pipe.hset(k.group(room, gid), mapping=h)
        pipe.expire(k.group(room, gid), keep_s)
    if built.groups:
        pipe.sadd(k.groups(room, deal), *built.groups)
    if built.open:
        pipe.zadd(k.open_groups(room, deal), built.open)
        pipe.zadd(k.timers(room), built.open)
    if built.pay_due:
        pipe.zadd(k.pay_due(room), built.pay_due)
    if built.users:
        pipe.hset(k.users(room, deal), mapping=built.users)
    for user, key, record in built.idem:
        pipe.set(k.idem(room, deal, user, key), record, ex=keep_s, nx=True)
    pipe.zadd(k.deals(room), {deal: _ms(row["created_at"])})
    pipe.sadd(k.rooms(), room)
    await pipe.execute()
    if not await rt.redis.hsetnx(k.deal(room, deal), "id", deal):  # another restore got there first
        return DealRestore(deal, room, restored=False, why="present in Redis")
    pipe = rt.redis.pipeline(transaction=False)
    pipe.hset(k.deal(room, deal), mapping=built.deal)
    for key in (k.deal(room, deal), k.users(room, deal), k.open_groups(room, deal), k.groups(room, deal)):
        pipe.expire(key, keep_s)
    await pipe.execute()
    await svc.publish_now(room, deal)
    return DealRestore(deal, room, restored=True, groups=len(built.groups), members=len(members),
                       open=len(built.open), left=int(built.deal["left"]))
