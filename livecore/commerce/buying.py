"""The purchase decision of one process: coalesced ``sale_buy`` calls and snapshot answers for closed sales.

Every attempt reaches Redis, in one of two ways chosen by ``SaleOutlook`` (see ``fastpath`` for why no
attempt is answered from local state alone):

* **script**: ``EVALSHA sale_buy`` with the attempt's keys; the calls of one loop iteration share one round
  trip (``CommandBatcher``). This is the only way anything is written.
* **snapshot**: while the sale looks closed (sold out, ended, not started), the attempts of one iteration on
  that sale share one ``MULTI`` of reads, and ``fastpath.decide`` answers each exactly as the script would
  have at that instant. An attempt the script would accept (restocked by an expired order, started early by
  the host) goes on to the script.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from ..runtime import Runtime
from .batcher import Command, CommandBatcher, script_reply
from .fastpath import SALE_FIELDS, Reply, SaleOutlook, decide
from .ids import new_order_id
from .sale_keys import SaleKeys


@dataclass
class PurchaseStats:
    script_calls: int = 0
    snapshot_answers: int = 0
    snapshot_reads: int = 0  # MULTI blocks sent (one per sale per loop iteration)
    snapshot_misses: int = 0  # attempts the snapshot sent on to the script


class _Attempt:
    __slots__ = ("user", "key", "qty", "now", "future")

    def __init__(self, user: str, key: str, qty: int, now: int, future: asyncio.Future[Reply | None]) -> None:
        self.user, self.key, self.qty, self.now, self.future = user, key, qty, now, future


class Purchases:
    def __init__(self, rt: Runtime, *, idem_ttl_s: int, order_ttl_s: int,
                 batcher: CommandBatcher | None = None) -> None:
        self.rt = rt
        self.k = SaleKeys(rt.keys)
        self.idem_ttl_s = idem_ttl_s
        self.order_ttl_s = order_ttl_s
        self.batcher = batcher or CommandBatcher(rt.redis, durability=rt.durability)
        self.confirmed = rt.durability.mode != "none"
        self.outlook = SaleOutlook()
        self.stats = PurchaseStats()
        self._waiting: dict[tuple[str, str], list[_Attempt]] = {}
        self._scheduled = False
        self._keys: dict[tuple[str, str], tuple[str, ...]] = {}

    async def decide(self, room: str, user: str, sale: str, key: str, qty: int, now: int) -> Reply:
        """``sale_buy.lua``'s answer to this attempt (raises a ``RedisError`` when Redis cannot answer)."""
        if self.outlook.closed(room, sale):
            reply = await self._snapshot(room, sale, user, key, qty, now)
            self.outlook.learn(room, sale, reply, qty)
            if reply is not None and reply[0] == b"ok" and self.confirmed:
                reply = None  # a replay must be confirmed durable too: the script's round trip ends with WAIT
            if reply is not None:
                self.stats.snapshot_answers += 1
                return reply
            self.stats.snapshot_misses += 1
        reply = await self._script(room, sale, user, key, qty, now)
        self.outlook.learn(room, sale, reply, qty)
        return reply

    # -- the script -----------------------------------------------------------------------------------
    async def _script(self, room: str, sale: str, user: str, key: str, qty: int, now: int) -> Reply:
        k = self.k
        order_id = new_order_id(room, now)
        shared = self._shared_keys(room, sale)
        keys = [shared[0], shared[1], shared[2], k.idem(room, sale, user, key), k.order(room, order_id), *shared[3:]]
        s = self.rt.settings
        args: list[str | int] = [sale, user, qty, now, order_id, self.idem_ttl_s, s.order_stream_maxlen,
                                 self.order_ttl_s, s.payment_window_s * 1000, room, s.interaction_maxlen, key]
        self.stats.script_calls += 1
        reply: Reply = script_reply(await self.batcher.submit_script(self.rt.scripts.get("sale_buy"), keys, args))
        return reply

    def _shared_keys(self, room: str, sale: str) -> tuple[str, ...]:
        """The 9 keys of ``sale_buy`` that do not depend on the attempt (KEYS 1-3 and 6-11)."""
        found = self._keys.get((room, sale))
        if found is None:
            k = self.k
            found = (k.sale(room, sale), k.stock(room, sale), k.users(room, sale), k.orders_stream(room),
                     k.buyers(room), k.sale_orders(room, sale), k.deadlines(room), self.rt.keys.interactions(room),
                     self.rt.keys.room_state(room))
            if len(self._keys) >= 10_000:
                self._keys.clear()
            self._keys[(room, sale)] = found
        return found

    # -- the snapshot ---------------------------------------------------------------------------------
    def _snapshot(self, room: str, sale: str, user: str, key: str, qty: int,
                  now: int) -> asyncio.Future[Reply | None]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Reply | None] = loop.create_future()
        self._waiting.setdefault((room, sale), []).append(_Attempt(user, key, qty, now, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._read_snapshots)  # after this iteration's other attempts have joined
        return future

    def _read_snapshots(self) -> None:
        self._scheduled = False
        waiting, self._waiting = self._waiting, {}
        for (room, sale), attempts in waiting.items():
            shared = self._shared_keys(room, sale)
            commands: list[Command] = [
                ("MULTI",),
                ("HMGET", shared[0], *SALE_FIELDS),
                ("GET", shared[1]),
                ("MGET", *[self.k.idem(room, sale, a.user, a.key) for a in attempts]),
                ("HMGET", shared[2], *[a.user for a in attempts]),
                ("EXEC",),
            ]
            self.stats.snapshot_reads += 1
            pending = self.batcher.submit(commands)
            pending.add_done_callback(lambda f, attempts=attempts: _answer(f, attempts))  # type: ignore[misc]

    async def close(self) -> None:
        await self.batcher.close()


def _answer(done: asyncio.Future[list[Any]], attempts: list[_Attempt]) -> None:
    """Resolve each attempt from its snapshot; any failure sends every attempt on to the script."""
    snapshot: Any = None
    if not done.cancelled() and done.exception() is None:
        snapshot = done.result()[-1]
    usable = isinstance(snapshot, list) and len(snapshot) == 4 and not any(
        isinstance(part, Exception) for part in snapshot)
    for i, a in enumerate(attempts):
        if a.future.done():
            continue
        if not usable:
            a.future.set_result(None)
            continue
        sale_fields, stock, priors, bought = snapshot
        a.future.set_result(decide(priors[i], sale_fields, stock, bought[i], a.qty, a.now))
