"""The ``groupbuy`` worker: every room's group-buy stream -> ``buy_groups`` / ``group_members``, exactly once.

Entries (appended by ``groupbuy_{open,join,expire,pay,lapse}.lua``) each carry the
group's header (deal, leader, size, opened_at, deadline, amount), so the group row can be written from any of
them. ``join`` adds a member as ``reserved``; ``complete`` and ``dissolve`` carry the whole member list and
settle every member (``confirmed`` / ``released``); ``paid`` (``groupbuy_pay.lua``) and ``lapse``
(``groupbuy_lapse.lua``) carry the members they end (``paid`` / ``lapsed``). Statuses only move forward
(reserved -> confirmed | released, confirmed -> paid | lapsed: a member is never written back), and every insert
is keyed by the ids Redis handed out, so a replayed or reordered entry (a batch reclaimed from a dead consumer)
changes nothing. The batch runs in one
transaction and is acknowledged after the commit (``livecore.workers.outbox``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import msgspec

from ...runtime import Runtime
from .keys import GroupKeys

SETTLED = {"complete": ("complete", "confirmed"), "dissolve": ("dissolved", "released")}
ENDED = {"paid": "paid", "lapse": "lapsed"}  # a complete group's member orders: paid, or void past the window


def _ts(millis: str | int) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(millis) / 1000, dt.UTC)


def _fields(raw: dict[bytes, bytes]) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in raw.items()}


async def persist_groups(conn: asyncpg.Connection, entries: list[tuple[str, dict[bytes, bytes]]]) -> None:
    groups: dict[str, tuple[Any, ...]] = {}
    joins: list[tuple[Any, ...]] = []
    settles: list[tuple[str, str, dt.datetime]] = []
    settled_members: list[tuple[Any, ...]] = []
    ended: list[tuple[Any, ...]] = []
    pay_by: list[tuple[str, dt.datetime]] = []
    for _entry_id, raw in entries:
        f = _fields(raw)
        kind = f["k"]
        group, deal = f["group"], f["deal"]
        groups.setdefault(group, (group, deal, f["leader"], int(f["size"]), _ts(f["opened_at"]), _ts(f["deadline"])))
        at = _ts(f["at"])
        if kind == "join":
            joins.append((f["order"], group, deal, f["user"], int(f["seq"]), f["key"], int(f["amount"]), at))
        elif kind in SETTLED:
            group_status, member_status = SETTLED[kind]
            settles.append((group, group_status, at))
            # a member is [user, order, key] or, since members carry their join time, [user, order, key, ms]
            for seq, (user, order, key, *_) in enumerate(msgspec.json.decode(f["members"]), start=1):
                settled_members.append((order, group, deal, user, seq, key, int(f["amount"]), at, member_status))
            if "pay_by" in f:
                pay_by.append((group, _ts(f["pay_by"])))
        elif kind in ENDED:
            paid = kind == "paid"
            for user, order, key, joined, seq in msgspec.json.decode(f["members"]):
                ended.append((order, group, deal, user, int(seq), key, int(f["amount"]), _ts(joined), ENDED[kind], at,
                              f.get("ref") if paid else None, f.get("pv") if paid else None))
        else:
            raise ValueError(f"unknown group-buy entry kind {kind!r}")
    # the room comes from the deal row (written before Redis knew the deal); a missing deal makes room_id NULL,
    # the insert fails and the entry is retried, then dead-lettered: never silently dropped
    await conn.executemany(
        """INSERT INTO buy_groups (id, deal_id, room_id, leader, size, opened_at, deadline, status)
           VALUES ($1, $2, (SELECT room_id FROM group_deals WHERE id = $2), $3, $4, $5, $6, 'open')
           ON CONFLICT (id) DO NOTHING""", list(groups.values()))
    if joins:
        await conn.executemany(
            """INSERT INTO group_members (order_id, group_id, deal_id, room_id, user_id, seq, join_key, amount,
                                          joined_at, status)
               VALUES ($1, $2, $3, (SELECT room_id FROM group_deals WHERE id = $3), $4, $5, $6, $7, $8, 'reserved')
               ON CONFLICT (order_id) DO UPDATE SET joined_at = EXCLUDED.joined_at""", joins)
    if settled_members:
        # joined_at is the settlement time until the member's own join entry (if it comes later) sets it
        await conn.executemany(
            """INSERT INTO group_members (order_id, group_id, deal_id, room_id, user_id, seq, join_key, amount,
                                          joined_at, status, settled_at)
               VALUES ($1, $2, $3, (SELECT room_id FROM group_deals WHERE id = $3), $4, $5, $6, $7, $8, $9, $8)
               ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, settled_at = EXCLUDED.settled_at
               WHERE group_members.status = 'reserved'""", settled_members)
    if ended:
        await conn.executemany(
            """INSERT INTO group_members (order_id, group_id, deal_id, room_id, user_id, seq, join_key, amount,
                                          joined_at, status, settled_at, paid_at, payment_ref, provider)
               VALUES ($1, $2, $3, (SELECT room_id FROM group_deals WHERE id = $3), $4, $5, $6, $7, $8, $9, $10,
                       CASE WHEN $9::text = 'paid' THEN $10::timestamptz END, $11, $12)
               ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, paid_at = EXCLUDED.paid_at,
                   payment_ref = EXCLUDED.payment_ref, provider = EXCLUDED.provider
               WHERE group_members.status IN ('reserved', 'confirmed')""", ended)
    if settles:
        await conn.executemany(
            "UPDATE buy_groups SET status = $2, settled_at = $3 WHERE id = $1 AND status = 'open'",
            settles)
    if pay_by:
        await conn.executemany("UPDATE buy_groups SET pay_by = $2 WHERE id = $1", pay_by)


def persister(rt: Runtime, consumer: str) -> Any:
    """The ``groupbuy`` worker."""
    from ...workers.outbox import RoomOutbox

    keys = GroupKeys(rt.keys)
    return RoomOutbox(rt, keys.rooms(), keys.stream, "groupbuy", consumer, persist_groups)
