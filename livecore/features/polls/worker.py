"""The workers of polls: ``polls-timer`` closes polls at their deadline (and finishes a close whose closer died);
``polls-persist`` persists every room's ``polls`` outbox to PostgreSQL (``persist.persist_polls``)."""

from __future__ import annotations

import asyncio
from typing import Any

from ...runtime import Runtime
from ...workers.outbox import RoomOutbox
from .keys import PollKeys
from .persist import persist_polls
from .service import PollService


class PollTimer:
    def __init__(self, rt: Runtime, interval_s: float = 0.25) -> None:
        self.service = PollService(rt)
        self.interval_s = interval_s

    def figures(self) -> dict[str, int]:
        return {"closed": self.service.closed_by_timer}

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self.service.run_timer(stop, self.interval_s)
        finally:
            await self.service.close()


def timer(rt: Runtime, consumer: str) -> PollTimer:
    return PollTimer(rt)


def persister(rt: Runtime, consumer: str, **options: Any) -> RoomOutbox:
    pk = PollKeys(rt.keys)
    return RoomOutbox(rt, pk.rooms(), pk.stream, "polls", consumer, persist_polls, **options)
