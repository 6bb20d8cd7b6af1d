"""The red packets' workers: ``redpackets`` credits every grab of the rooms' outbox streams to the wallet
ledger (exactly once: unique refs, balance and rows in one transaction, XACK after the commit), and
``redpacket-timer`` ends packets when their window closes."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import asyncpg

from ...runtime import Runtime
from ...workers.outbox import Entry, RoomOutbox
from .keys import RedPacketKeys
from .ledger import Movement, post
from .service import RedPacketService


def _f(fields: dict[bytes, bytes], name: str) -> str:
    return fields[name.encode()].decode()


async def credit_grabs(conn: asyncpg.Connection, entries: list[Entry]) -> None:
    """One batch of outbox entries -> ledger rows and balances (a replayed entry inserts nothing)."""
    movements = []
    for _, fields in entries:
        if fields.get(b"k") != b"grab":
            continue
        packet, index = _f(fields, "rp"), int(_f(fields, "i"))
        movements.append(Movement(f"{packet}#{index}", _f(fields, "user"), int(_f(fields, "amount")), "grab", packet,
                                  index=index, key=_f(fields, "key"),
                                  at=dt.datetime.fromtimestamp(int(_f(fields, "at")) / 1000, dt.UTC)))
    await post(conn, movements)


def ledger_writer(rt: Runtime, consumer: str, **options: Any) -> RoomOutbox:
    keys = RedPacketKeys(rt.keys)
    return RoomOutbox(rt, keys.rooms(), keys.outbox, "redpackets", consumer, credit_grabs, **options)


class EndTimer:
    """The ``redpacket-timer`` worker."""

    def __init__(self, rt: Runtime, interval_s: float = 0.25) -> None:
        self.service = RedPacketService(rt)
        self.interval_s = interval_s

    def figures(self) -> dict[str, int]:
        return {"ended": self.service.ended_by_timer}

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self.service.run_timer(stop, self.interval_s)
        finally:
            await self.service.close()


def end_timer(rt: Runtime, consumer: str) -> EndTimer:
    return EndTimer(rt)
