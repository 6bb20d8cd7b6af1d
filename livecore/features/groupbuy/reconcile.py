"""Reconciliation of one group deal: Redis counters and groups vs the group-buy stream vs PostgreSQL.

``compare`` is pure (the views in, differences out); ``reconcile`` gathers them. A healthy, drained deal has:
units == left + reserved + confirmed; reserved == the members of open groups, confirmed == the members of
complete groups who have not lapsed, paid / lapsed == the members of complete groups who paid / lapsed, released
== the members of dissolved groups; every complete group exactly full; each member's order in Redis, in the stream
(one join entry) and in PostgreSQL with the status its group's outcome and its payment give it (open -> reserved,
complete -> confirmed, then paid or lapsed, dissolved -> released); each settled group settled by one stream entry,
one way, and each paid or lapsed order ended by one; no group still open past its deadline and no unpaid member
past the payment window (the timer is behind).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import msgspec

from ... import replies
from ...runtime import Runtime
from .keys import GroupKeys
from .model import COUNTERS, members_of, text_map

MEMBER_STATUS = {"open": "reserved", "complete": "confirmed", "dissolved": "released"}
PAYMENT_STATUS = {"due": "confirmed", "paid": "paid", "lapsed": "lapsed"}


@dataclass(frozen=True, slots=True)
class GroupFacts:
    status: str
    size: int
    deadline: int
    members: dict[str, str]  # order id -> user
    payments: dict[str, str] = field(default_factory=dict)  # order id -> due | paid | lapsed (complete groups)
    pay_by: int = 0
    # what ``livecore restore`` put back (the stream began again empty, so it cannot hold their entries): the orders
    # of the members restored, whether the group was settled then, and the orders whose payment was restored
    joined_before: frozenset[str] = frozenset()
    settled_before: bool = False
    ended_before: frozenset[str] = frozenset()

    def member_status(self, order: str) -> str:
        """The PostgreSQL status this member's order should have."""
        if self.status == "complete":
            return PAYMENT_STATUS[self.payments.get(order, "due")]
        return MEMBER_STATUS[self.status]


@dataclass(frozen=True, slots=True)
class Difference:
    kind: str
    message: str
    ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class StreamFacts:
    joins: list[str] = field(default_factory=list)  # order id of every join entry (duplicates kept)
    settlements: dict[str, list[str]] = field(default_factory=dict)  # group -> outcomes ("complete"/"dissolve")
    ends: dict[str, list[str]] = field(default_factory=dict)  # order -> its payment's ends ("paid"/"lapse")


@dataclass(slots=True)
class DealReport:
    deal: str
    room: str
    counters: dict[str, int]
    groups: dict[str, int]  # groups per status in Redis
    members: dict[str, int]  # members per status in PostgreSQL
    differences: list[Difference]

    @property
    def ok(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ok"] = self.ok
        return out

    def text(self) -> str:
        c = self.counters
        lines = [f"group deal {self.deal} in room {self.room}: units {c.get('units', 0)}, left {c.get('left', 0)}, "
                 f"reserved {c.get('reserved', 0)}, confirmed {c.get('confirmed', 0)} (paid {c.get('paid', 0)}), "
                 f"released {c.get('released', 0)}, lapsed {c.get('lapsed', 0)}",
                 "groups (redis): " + ", ".join(f"{n} {s}" for s, n in sorted(self.groups.items())),
                 "members (postgresql): " + ", ".join(f"{n} {s}" for s, n in sorted(self.members.items()))]
        for d in self.differences:
            ids = ", ".join(d.ids[:20]) + (f" ... (+{len(d.ids) - 20})" if len(d.ids) > 20 else "")
            lines.append(f"DIFFERENCE {d.kind}: {d.message}" + (f": {ids}" if ids else ""))
        lines.append("OK: Redis, stream and PostgreSQL agree" if self.ok else f"{len(self.differences)} difference(s)")
        return "\n".join(lines)


def compare(*, counters: dict[str, int], held: int, groups: dict[str, GroupFacts], stream: StreamFacts,
            pg_groups: dict[str, str], pg_members: dict[str, str], now_ms: int) -> list[Difference]:
    """``held``: the sum of the per-user hash; ``pg_groups``: group -> status; ``pg_members``: order -> status."""
    out: list[Difference] = []
    c = counters
    if c["units"] != c["left"] + c["reserved"] + c["confirmed"]:
        out.append(Difference("units", f"units {c['units']} != left {c['left']} + reserved {c['reserved']} + "
                                       f"confirmed {c['confirmed']}"))
    by_status: dict[str, list[GroupFacts]] = {"open": [], "complete": [], "dissolved": []}
    for g in groups.values():
        by_status.setdefault(g.status, []).append(g)
    for counter, status in (("reserved", "open"), ("released", "dissolved")):
        members = sum(len(g.members) for g in by_status[status])
        if c[counter] != members:
            out.append(Difference(f"{counter}_vs_groups", f"{counter} counter {c[counter]} != {members} members of "
                                                          f"{status} groups"))
    payments = Counter(g.payments.get(o, "due") for g in by_status["complete"] for o in g.members)
    for counter, members, what in (("confirmed", payments["due"] + payments["paid"], "unlapsed"),
                                   ("paid", payments["paid"], "paid"), ("lapsed", payments["lapsed"], "lapsed")):
        if c[counter] != members:
            out.append(Difference(f"{counter}_vs_groups", f"{counter} counter {c[counter]} != {members} {what} members "
                                                          "of complete groups"))
    for counter, status in (("completed", "complete"), ("dissolved", "dissolved")):
        if c[counter] != len(by_status[status]):
            out.append(Difference(f"{counter}_vs_groups", f"{counter} counter {c[counter]} != "
                                                          f"{len(by_status[status])} {status} groups"))
    if c["opened"] != len(groups):
        out.append(Difference("opened_vs_groups", f"opened counter {c['opened']} != {len(groups)} groups"))
    if held != c["reserved"] + c["confirmed"]:
        out.append(Difference("held", f"units held per user sum to {held} != reserved + confirmed "
                                      f"{c['reserved'] + c['confirmed']}"))
    over = sorted(gid for gid, g in groups.items() if len(g.members) > g.size)
    if over:
        out.append(Difference("overfilled", "groups with more members than their size", over))
    short = sorted(gid for gid, g in groups.items() if g.status == "complete" and len(g.members) != g.size)
    if short:
        out.append(Difference("complete_not_full", "complete groups without exactly size members", short))
    overdue = sorted(gid for gid, g in groups.items() if g.status == "open" and g.deadline <= now_ms)
    if overdue:
        out.append(Difference("overdue", "open groups past their deadline (the timer has not dissolved them)",
                              overdue))
    unpaid = sorted(gid for gid, g in groups.items() if g.status == "complete" and g.pay_by <= now_ms
                    and any(g.payments.get(o, "due") == "due" for o in g.members))
    if unpaid:
        out.append(Difference("pay_overdue", "complete groups with unpaid members past the payment window (the timer "
                                             "has not lapsed them)", unpaid))
    expected = {order: g.member_status(order) for g in groups.values() for order in g.members}
    dups = sorted(o for o, n in Counter(stream.joins).items() if n > 1)
    if dups:
        out.append(Difference("duplicate_in_stream", "orders with more than one join entry", dups))
    joined_before = {o for g in groups.values() for o in g.joined_before}
    _missing(out, "missing_in_stream", "members in Redis without a join entry",
             set(expected) - set(stream.joins) - joined_before)
    _missing(out, "unknown_in_stream", "join entries for members Redis does not know",
             set(stream.joins) - set(expected))
    twice = sorted(gid for gid, outcomes in stream.settlements.items() if len(outcomes) > 1)
    if twice:
        out.append(Difference("settled_twice", "groups with more than one settlement entry", twice))
    unsettled_stream = sorted(gid for gid, g in groups.items() if g.status != "open" and gid not in stream.settlements
                              and not g.settled_before)
    if unsettled_stream:
        out.append(Difference("settlement_not_in_stream", "settled groups without a settlement entry",
                              unsettled_stream))
    ended_twice = sorted(o for o, ends in stream.ends.items() if len(ends) > 1)
    if ended_twice:
        out.append(Difference("ended_twice", "orders with more than one paid or lapse entry", ended_twice))
    _missing(out, "payment_not_in_stream", "paid or lapsed members without their entry",
             {o for o, st in expected.items() if st in ("paid", "lapsed")} - set(stream.ends)
             - {o for g in groups.values() for o in g.ended_before})
    _missing(out, "not_persisted", "members not in PostgreSQL", set(expected) - set(pg_members))
    _missing(out, "unknown_in_pg", "PostgreSQL members Redis does not know", set(pg_members) - set(expected))
    wrong = sorted(o for o, st in expected.items() if o in pg_members and pg_members[o] != st)
    if wrong:
        out.append(Difference("member_status", "members whose PostgreSQL status is not their group's outcome", wrong))
    _missing(out, "group_not_persisted", "groups not in PostgreSQL", set(groups) - set(pg_groups))
    bad_groups = sorted(gid for gid, g in groups.items() if gid in pg_groups and pg_groups[gid] != g.status)
    if bad_groups:
        out.append(Difference("group_status", "groups whose status in PostgreSQL differs from Redis", bad_groups))
    return out


def _missing(out: list[Difference], kind: str, message: str, ids: set[str]) -> None:
    if ids:
        out.append(Difference(kind, message, sorted(ids)))


class DealNotFound(LookupError):
    pass


async def _redis_lost(rt: Runtime, deal: str, room: str) -> DealReport:
    """PostgreSQL holds the deal, Redis has nothing: report what PostgreSQL knows and the loss."""
    if rt.db is None or not await rt.db.fetchval("SELECT true FROM group_deals WHERE id = $1 AND room_id = $2",
                                                  deal, room):
        raise DealNotFound(f"no group deal {deal} in Redis or PostgreSQL (room {room})")
    members = {r["order_id"]: r["status"] for r in await rt.db.fetch(
        "SELECT order_id, status FROM group_members WHERE deal_id = $1", deal)}
    diffs = [Difference("missing_in_redis", "PostgreSQL holds the deal but Redis has nothing: Redis lost its data; "
                                            "members acknowledged and not yet persisted are lost with it")]
    held = sorted(o for o, st in members.items() if st == "reserved")
    if held:
        diffs.append(Difference("unsettled_in_pg", "members still reserved in PostgreSQL, with no group left in Redis "
                                                   "to settle them", held))
    return DealReport(deal=deal, room=room, counters={}, groups={}, members=dict(Counter(members.values())),
                      differences=diffs)


async def reconcile(rt: Runtime, deal: str, room: str | None = None, chunk: int = 10_000) -> DealReport:
    k = GroupKeys(rt.keys)
    if room is None:
        if rt.db is None:
            raise DealNotFound("the room is needed without a database")
        room = await rt.db.fetchval("SELECT room_id FROM group_deals WHERE id = $1", deal)
        if room is None:
            raise DealNotFound(f"no group deal {deal} in PostgreSQL")
    raw = text_map(await rt.redis.hgetall(k.deal(room, deal)))
    if not raw:
        return await _redis_lost(rt, deal, room)
    counters = {name: int(raw.get(name, "0")) for name in COUNTERS}
    held = sum(int(v) for v in (await rt.redis.hgetall(k.users(room, deal))).values())
    ids = sorted(replies.text(g) for g in await rt.redis.smembers(k.groups(room, deal)))
    groups: dict[str, GroupFacts] = {}
    for i in range(0, len(ids), chunk):
        pipe = rt.redis.pipeline(transaction=False)
        for gid in ids[i:i + chunk]:
            pipe.hgetall(k.group(room, gid))
        for gid, h in zip(ids[i:i + chunk], await pipe.execute(), strict=True):
            if h:
                t = text_map(h)
                members = members_of(t)
                restored = int(t.get("rs", "0"))
                groups[gid] = GroupFacts(
                    t["status"], int(t["size"]), int(t["deadline"]), {m["order"]: m["user"] for m in members},
                    {m["order"]: m["payment"] for m in members if "payment" in m}, int(t.get("pay_by", "0")),
                    joined_before=frozenset(m["order"] for m in members if m["seq"] <= restored),
                    settled_before=t.get("rst", "open") != "open",
                    ended_before=frozenset(m["order"] for m in members if f"rp{m['seq']}" in t))
    stream = StreamFacts()
    start, deal_b = "-", deal.encode()
    while True:
        entries = replies.entries(await rt.redis.xrange(k.stream(room), min=start, max="+", count=chunk))
        for _, f in entries:
            if f.get(b"deal") != deal_b:
                continue
            kind = f[b"k"].decode()
            if kind == "join":
                stream.joins.append(f[b"order"].decode())
            elif kind in ("paid", "lapse"):
                for member in msgspec.json.decode(f[b"members"]):
                    stream.ends.setdefault(str(member[1]), []).append(kind)
            else:
                stream.settlements.setdefault(f[b"group"].decode(), []).append(kind)
        if len(entries) < chunk:
            break
        start = "(" + entries[-1][0].decode()
    pg_groups: dict[str, str] = {}
    pg_members: dict[str, str] = {}
    if rt.db is not None:
        pg_groups = {r["id"]: r["status"] for r in await rt.db.fetch(
            "SELECT id, status FROM buy_groups WHERE deal_id = $1", deal)}
        pg_members = {r["order_id"]: r["status"] for r in await rt.db.fetch(
            "SELECT order_id, status FROM group_members WHERE deal_id = $1", deal)}
    diffs = compare(counters=counters, held=held, groups=groups, stream=stream, pg_groups=pg_groups,
                    pg_members=pg_members, now_ms=round(rt.clock.now() * 1000))
    return DealReport(deal=deal, room=room, counters=counters, groups=dict(Counter(g.status for g in groups.values())),
                      members=dict(Counter(pg_members.values())), differences=diffs)
