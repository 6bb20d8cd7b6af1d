"""The one path by which an order credits its buyer's referrer: ``share_credit.lua``, at most once per order id.

Two sources feed it: the flash-sale orders streams (``paid`` entries, the ``share-orders`` worker in ``worker.py``)
and group-buy's payments (a complete group's member paying their order, the ``groupbuy-credit`` worker in
``livecore.features.groupbuy.credit``). Each source says, per order, who bought, for how much, when the order was
placed (the attribution window is judged at that instant) and when it was paid. The script answers a replay without
writing, so a source that re-reads a batch (a consumer killed before its ``XACK``) credits nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ...commerce.ids import room_of
from ...runtime import Runtime
from .keys import ShareKeys
from .service import KEEP_S


@dataclass(frozen=True, slots=True)
class OrderCredit:
    """An order that may credit its buyer's referrer."""

    order: str  # the order id (``<room>.<hex>``): the room comes from it, and it is the idempotency key
    user: str  # the buyer
    amount: int  # cents
    placed_ms: int  # when it was placed: the buyer's touch must hold at this instant
    final_ms: int  # when it was paid


async def credit(rt: Runtime, orders: Iterable[OrderCredit]) -> int:
    """Run ``share_credit.lua`` for each order (one pipeline); returns how many were credited by this call (not
    before, and with a live referrer at the instant the order was placed)."""
    sk = ShareKeys(rt.keys)
    window_ms = rt.settings.attribution_window_s * 1000
    ttl = rt.settings.attribution_window_s + KEEP_S
    pipe = rt.redis.pipeline(transaction=False)
    rooms: set[str] = set()
    for o in orders:
        room = room_of(o.order)
        if room is None:
            continue
        rooms.add(room)
        await rt.scripts.queue(
            pipe, "share_credit",
            [sk.attribution(room), sk.credited(room), sk.funnel(room), sk.referred_gmv(room), sk.outbox(room)],
            [o.order, o.user, o.amount, o.placed_ms, window_ms, rt.settings.order_stream_maxlen, o.final_ms, ttl])
    if not len(pipe):
        return 0
    results = await rt.scripts.execute(pipe)
    await rt.redis.sadd(sk.rooms(), *rooms)
    return sum(1 for r in results if r[0] in (b"ok", "ok") and int(r[3]) == 0)
