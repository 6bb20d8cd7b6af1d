"""The ``groupbuy-credit`` worker: a member who pays their group order (拼团支付) credits their referrer, once per
order.

A member's order becomes ``confirmed`` when its group completes (成团) and counts in the share funnel once it is
paid, like a flash-sale order (one order, GMV = the group price for the member's one unit); an order that lapses
unpaid credits nobody. The worker is a consumer group of its own (``share-credit``) on each room's group-buy outbox,
beside the persister's (``groupbuy``); for every ``paid`` entry it sends the member's order through the share credit
path
(``livecore.features.share.credit``): the member's referrer is their live first touch at the instant they joined
(or opened) the group, the credit is kept at most once per order id, and it reaches PostgreSQL through the share
outbox. Entries are acknowledged after the credits are written, so a consumer killed mid-batch leaves them pending;
the survivor that reclaims them (``XAUTOCLAIM``) meets credits already made, which the script answers without
writing.

Group-buy depends on share here, never the other way round.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import asyncpg
import msgspec

from ... import replies
from ...runtime import Runtime
from ...workers.outbox import Entry, RoomOutbox
from ..share.credit import OrderCredit, credit
from ..share.keys import ShareKeys
from ..share.reconcile import behind
from .keys import GroupKeys

GROUP = "share-credit"


def member_orders(entries: list[Entry]) -> Iterator[OrderCredit]:
    """The paid member orders of the ``paid`` entries (pure)."""
    for _entry_id, f in entries:
        if f.get(b"k") != b"paid":
            continue
        amount, at = int(f[b"amount"]), int(f[b"at"])
        for member in msgspec.json.decode(f[b"members"]):
            user, order, joined = str(member[0]), str(member[1]), int(member[3])
            yield OrderCredit(order=order, user=user, amount=amount, placed_ms=joined, final_ms=at)


async def credit_groups(rt: Runtime, entries: list[Entry]) -> int:
    """Credit the referrers of the members who paid in ``entries``; returns the credits made now."""
    return await credit(rt, member_orders(entries))


def crediter(rt: Runtime, consumer: str, **options: Any) -> RoomOutbox:
    """The ``groupbuy-credit`` worker."""
    keys = GroupKeys(rt.keys)

    async def handle(_conn: asyncpg.Connection, entries: list[Entry]) -> None:
        await credit_groups(rt, entries)

    return RoomOutbox(rt, keys.rooms(), keys.stream, GROUP, consumer, handle, **options)


async def check(rt: Runtime, room: str) -> dict[str, Any]:
    """Group-buy's part of the share check of a room: ``group_credits_behind`` (entries the crediter has not
    acknowledged yet) and the difference ``credited_not_paid``, credited orders that PostgreSQL holds as group
    members in another status than ``paid`` (a released or lapsed member must never have credited anyone)."""
    credited = [replies.text(k) for k in await rt.redis.hkeys(ShareKeys(rt.keys).credited(room))]
    differences: list[str] = []
    if credited and rt.db is not None:
        rows = await rt.db.fetch("""SELECT order_id, status FROM group_members
                                    WHERE order_id = ANY($1::text[]) AND status <> 'paid' ORDER BY order_id""",
                                 credited)
        if rows:
            differences.append("credited_not_paid: group orders credited to a referrer but not paid in "
                               "postgresql: " + ", ".join(f"{r['order_id']} ({r['status']})" for r in rows))
    return {"differences": differences,
            "group_credits_behind": await behind(rt, GroupKeys(rt.keys).stream(room), GROUP)}
