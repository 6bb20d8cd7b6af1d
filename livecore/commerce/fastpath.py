"""Deciding a purchase attempt from a read-only snapshot, and when to try that (pure: no I/O, time passed in).

In a flash sale nearly every attempt is refused (10 000 units and 200 000 attempts make 95 % ``sold_out``).
Running ``sale_buy.lua`` for every refusal costs a script call in Redis and 23 arguments to build, pack and
send per attempt. So while a sale looks closed to this process (``SaleOutlook``), the attempts that arrive
in one loop iteration are answered from one atomic snapshot read in a single ``MULTI``: the sale's price,
limit and window, its stock, the attempts' idempotency records and the users' units bought.

``decide`` applies the script's checks, in the script's order, to that snapshot, so its answer is the one the
script would have given at the snapshot's instant: a success recorded under the key is replayed (the retry
contract holds whichever connection or gateway the first attempt went through), then ``not_found``,
``invalid``, ``not_started``, ``ended``, ``limit_reached``, ``sold_out``. It never decides an attempt the
script would accept: those (``None``) go to the script, which alone writes.

Why not answer from the ``stock:<sale>`` room state without Redis at all: a local refusal cannot know
whether this user's key already succeeded through another connection or gateway (clients retry with the
same key after a reconnect, which lands on any gateway), so it would answer ``sold_out`` to a retry whose
first attempt holds an order. The snapshot costs one shared round trip per loop iteration and a few bytes
per attempt, and a stale "closed" belief costs one extra round trip, never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Sequence

Reply = list[bytes | int]  # shaped like sale_buy.lua's return value

# fields read from the sale hash, in this order
SALE_FIELDS = ("price", "per_user", "starts_at", "ends_at")


def _int(raw: bytes | None) -> int:
    return int(raw) if raw is not None else 0


def decide(prior: bytes | None, sale: Sequence[bytes | None], stock: bytes | None, bought: bytes | None,
           qty: int, now_ms: int) -> Reply | None:
    """The answer ``sale_buy.lua`` gives for this snapshot, or ``None`` when the script must run (it would
    sell). ``sale`` holds ``SALE_FIELDS``; ``prior`` is the idempotency record (``order|amount|expires``)."""
    if prior is not None:
        rest, _, expires = prior.rpartition(b"|")
        order, _, amount = rest.rpartition(b"|")
        return [b"ok", order, _int(stock), int(amount), int(expires), 1, 0]
    price, per_user, starts_at, ends_at = sale
    if price is None:
        return [b"err", b"not_found"]
    if qty < 1:
        return [b"err", b"invalid"]
    if now_ms < _int(starts_at):
        return [b"err", b"not_started"]
    if now_ms >= _int(ends_at):
        return [b"err", b"ended"]
    if _int(bought) + qty > _int(per_user):
        return [b"err", b"limit_reached"]
    if _int(stock) < qty:
        return [b"err", b"sold_out"]
    return None


class SaleOutlook:
    """What this process last learned about each sale: is an attempt likely to be refused?

    Only a routing hint: "closed" sends attempts to the snapshot path, "open" to the script. A wrong guess
    costs one extra round trip, never a wrong answer, so it needs no expiry; it changes with every answer.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._closed: dict[tuple[str, str], bool] = {}

    def closed(self, room: str, sale: str) -> bool:
        return self._closed.get((room, sale), False)

    def learn(self, room: str, sale: str, reply: Reply | None, qty: int) -> None:
        """Update from an answer (the script's or ``decide``'s); ``None`` means the snapshot would sell."""
        if reply is None:
            self._set(room, sale, False)
            return
        if reply[0] == b"ok":
            self._set(room, sale, int(reply[2]) < 1)
            return
        reason = reply[1]
        if reason in (b"ended", b"not_started", b"not_found") or (reason == b"sold_out" and qty == 1):
            self._set(room, sale, True)

    def _set(self, room: str, sale: str, closed: bool) -> None:
        key = (room, sale)
        if key not in self._closed and len(self._closed) >= self.capacity:
            self._closed.pop(next(iter(self._closed)))  # the oldest sale this process heard of
        self._closed[key] = closed
