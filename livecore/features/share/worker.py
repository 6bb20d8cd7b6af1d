"""The share workers.

* ``share`` (``share_persister``): each room's share outbox (visits, referrals, credits, helps, unlocks) ->
  PostgreSQL, ``ON CONFLICT DO NOTHING`` on keys decided in Redis, acknowledged after the commit.
* ``share-orders`` (``order_crediter``): a consumer group of its own (``share-credit``) on each room's orders
  stream, the outbox the order persister reads; every ``paid`` entry goes through ``share_credit.lua``, which
  credits the buyer's referrer at most once per order (judged at the instant the order was placed) and appends
  the credit to the share outbox. A consumer dying mid-batch leaves its entries pending; the script makes the
  replay a no-op.
* ``share-taps`` (``share_tally``): a consumer group (``share``) on each room's interaction stream; a ``share``
  interaction counts once as a share of the channel of the user's last code (``share_tally.lua``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg

from ...commerce.sale_keys import SaleKeys
from ...interactions.model import Kind, decoder
from ...runtime import Runtime
from ...workers.outbox import Entry, Handler, RoomOutbox
from .credit import OrderCredit, credit
from .keys import ShareKeys
from .service import KEEP_S


def _dt(ms: bytes | str | int) -> datetime:
    return datetime.fromtimestamp(int(ms) / 1000, tz=UTC)


def _s(fields: dict[bytes, bytes], name: str) -> str:
    return fields[name.encode()].decode()


class PerRoomOutbox(RoomOutbox):
    """A ``RoomOutbox`` whose handler is made for each room (the entries do not carry their room)."""

    def __init__(self, rt: Runtime, rooms_key: str, stream_of: Callable[[str], str], group: str, consumer: str,
                 handler_for: Callable[[str], Handler], **options: Any) -> None:
        super().__init__(rt, rooms_key, stream_of, group, consumer, handler_for(""), **options)
        self.handler_for = handler_for

    async def refresh(self) -> None:
        await super().refresh()
        for room, consumer in self.consumers.items():
            if consumer.handler is self.handler:
                consumer.handler = self.handler_for(room)


# -- share outbox -> PostgreSQL ----------------------------------------------------------------------------
async def persist_share(conn: asyncpg.Connection, room: str, entries: list[Entry]) -> None:
    visits, referrals, credits, helps, unlocks = [], [], [], [], []
    for _entry_id, f in entries:
        kind = _s(f, "k")
        if kind == "visit":
            visits.append((room, int(_s(f, "seq")), _s(f, "user"), _s(f, "sharer"), _s(f, "ch"),
                           _s(f, "g") or None, _s(f, "via"), _dt(_s(f, "at"))))
        elif kind == "referral":
            referrals.append((room, _s(f, "user"), _dt(_s(f, "at")), _s(f, "referrer"), _s(f, "ch"),
                              _s(f, "g") or None, _s(f, "via")))
        elif kind == "credit":
            credits.append((_s(f, "order"), room, _s(f, "user"), _s(f, "referrer"), _s(f, "ch"), _s(f, "g") or None,
                            int(_s(f, "amount")), _dt(_s(f, "at")), _dt(_s(f, "paid")), _dt(_s(f, "touched"))))
        elif kind == "help":
            helps.append((_s(f, "campaign"), _s(f, "asker"), _s(f, "helper"), room, int(_s(f, "n")),
                          _dt(_s(f, "at"))))
        elif kind == "unlock":
            unlocks.append((_s(f, "campaign"), _s(f, "asker"), room, _s(f, "batch"), int(_s(f, "n")),
                            _dt(_s(f, "at"))))
        else:
            raise ValueError(f"unknown share entry kind {kind!r}")
    if visits:
        await conn.executemany(
            """INSERT INTO share_visits (room_id, seq, user_id, sharer_id, channel, group_id, via, at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING""", visits)
    if referrals:
        await conn.executemany(
            """INSERT INTO share_referrals (room_id, user_id, touched_at, referrer_id, channel, group_id, via)
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING""", referrals)
    if credits:
        await conn.executemany(
            """INSERT INTO share_credits (order_id, room_id, user_id, referrer_id, channel, group_id, amount,
                                          ordered_at, paid_at, touched_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING""", credits)
    if helps:
        await conn.executemany(
            """INSERT INTO share_helps (campaign_id, asker_id, helper_id, room_id, n, at)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""", helps)
    if unlocks:
        await conn.executemany(
            """INSERT INTO share_unlocks (campaign_id, asker_id, room_id, batch_id, helps, at)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""", unlocks)


def share_persister(rt: Runtime, consumer: str, **options: Any) -> PerRoomOutbox:
    sk = ShareKeys(rt.keys)

    def handler_for(room: str) -> Handler:
        async def handle(conn: asyncpg.Connection, entries: list[Entry]) -> None:
            await persist_share(conn, room, entries)
        return handle

    return PerRoomOutbox(rt, sk.rooms(), sk.outbox, "share", consumer, handler_for, **options)


# -- orders streams -> credits ---------------------------------------------------------------------------
async def credit_orders(rt: Runtime, entries: list[Entry]) -> int:
    """Credit every ``paid`` entry's order (``credit.credit``); returns how many orders were credited now."""
    return await credit(rt, (OrderCredit(order=f[b"o"].decode(), user=f[b"u"].decode(), amount=int(f[b"pa"]),
                                         placed_ms=int(f[b"t"]), final_ms=int(f[b"pt"]))
                             for _entry_id, f in entries if f.get(b"k") == b"paid"))


def order_crediter(rt: Runtime, consumer: str, **options: Any) -> RoomOutbox:
    keys = SaleKeys(rt.keys)

    async def handle(_conn: asyncpg.Connection, entries: list[Entry]) -> None:
        await credit_orders(rt, entries)

    return RoomOutbox(rt, keys.order_rooms(), keys.orders_stream, "share-credit", consumer, handle, **options)


# -- interaction streams -> share taps --------------------------------------------------------------------
async def tally_shares(rt: Runtime, entries: list[Entry]) -> int:
    sk = ShareKeys(rt.keys)
    ttl = rt.settings.attribution_window_s + KEEP_S
    pipe = rt.redis.pipeline(transaction=False)
    for _entry_id, f in entries:
        raw = f.get(b"i")
        if raw is None:
            continue
        it = decoder.decode(raw)
        if it.kind != Kind.SHARE.value:
            continue
        await rt.scripts.queue(pipe, "share_tally", [sk.tallied(it.room), sk.last_channel(it.room), sk.funnel(it.room)],
                               [it.id, it.user, ttl])
    if not len(pipe):
        return 0
    return sum(int(n) for n in await rt.scripts.execute(pipe))


def share_tally(rt: Runtime, consumer: str, **options: Any) -> RoomOutbox:
    async def handle(_conn: asyncpg.Connection, entries: list[Entry]) -> None:
        await tally_shares(rt, entries)

    return RoomOutbox(rt, rt.keys.global_key("ix", "rooms"), rt.keys.interactions, "share", consumer, handle,
                      **options)

