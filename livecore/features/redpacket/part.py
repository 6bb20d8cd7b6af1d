"""The gateway's part of red packets: ``grab`` (a rain's tap) and the chats that are a password packet's phrase.

``intercept_chat`` runs on every chat and does no I/O: it looks the room up in an in-process table of the open
password packets' phrases (``PhraseCache``), which a background task refreshes from Redis every
``REFRESH_S`` (the rooms with a password packet not yet ended, then their phrases: two round trips per gateway,
whatever the chat rate). A room without a password packet costs a chat one dict
lookup; a room with one costs the normalisation of the text. A phrase is recognised at most ``REFRESH_S``
after its launch (a packet that starts with a countdown is recognised before its window opens).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable

from ... import replies
from ...runtime import Runtime
from ..base import Answer, Ask, Part
from .messages import Grab
from .phrase import normalise
from .service import RedPacketService

log = logging.getLogger(__name__)

REFRESH_S = 0.25
PHRASE_KEY = "phrase"  # the idempotency key of a grab by phrase: the same sender, the same first answer


class PhraseCache:
    """Room -> normalised phrase -> (packet id, ends_at ms) of the open password packets."""

    def __init__(self, service: RedPacketService) -> None:
        self.service = service
        self.rooms: dict[str, dict[str, tuple[str, int]]] = {}
        self.refreshes = 0

    def lookup(self, room: str, text: str, now_ms: int) -> str | None:
        phrases = self.rooms.get(room)
        if not phrases:
            return None
        hit = phrases.get(normalise(text))
        return hit[0] if hit is not None and hit[1] > now_ms else None

    async def refresh(self) -> None:
        redis, keys = self.service.rt.redis, self.service.keys
        now = self.service.now_ms()
        rooms = sorted(replies.text(m) for m in replies.members(
            await redis.zrangebyscore(keys.phrase_rooms(), now, "+inf")))
        table: dict[str, dict[str, tuple[str, int]]] = {}
        if rooms:
            pipe = redis.pipeline(transaction=False)
            for room in rooms:
                pipe.hgetall(keys.phrases(room))
            for room, raw in zip(rooms, await pipe.execute(), strict=True):
                phrases = {}
                for phrase, held in raw.items():
                    packet, _, ends = replies.text(held).rpartition("|")
                    phrases[replies.text(phrase)] = (packet, int(ends))
                if phrases:
                    table[room] = phrases
        self.rooms = table
        self.refreshes += 1

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.refresh()
            except Exception as exc:  # Redis away: keep the last table, try again
                log.warning("red packet phrases not refreshed: %r", exc)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), REFRESH_S)


class RedPacketPart(Part):
    def __init__(self, rt: Runtime) -> None:
        self.service = RedPacketService(rt)
        self.phrases = PhraseCache(self.service)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        with contextlib.suppress(RuntimeError):  # made outside a loop: started by the first message
            self._start()

    def _start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.phrases.run(self._stop))

    def handle(self, ask: Ask, msg: Grab) -> Awaitable[Answer]:
        self._start()
        return self.service.grab(ask.room, ask.user, msg.rain, msg.key, ask.watched_s, via="tap")

    def intercept_chat(self, ask: Ask, text: str) -> Awaitable[Answer] | None:
        if self._task is None:
            self._start()
        packet = self.phrases.lookup(ask.room, text, round(ask.now * 1000))
        if packet is None:
            return None
        return self.service.grab(ask.room, ask.user, packet, PHRASE_KEY, ask.watched_s, via="phrase")

    async def close(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
        await self.service.close()
