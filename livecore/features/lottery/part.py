"""The gateway's part of lotteries: ``enter`` with the viewer's watch time, and the keyword and follow
conditions heard from chats and follows."""

from __future__ import annotations

from ...runtime import Runtime
from ..base import Answer, Ask, Part
from .messages import Enter
from .service import LotteryService


class LotteryPart(Part):
    def __init__(self, rt: Runtime) -> None:
        self.lottery = LotteryService(rt)

    async def handle(self, ask: Ask, msg: Enter) -> Answer:
        return await self.lottery.enter(ask.room, ask.user, msg.lottery, ask.watched_s)

    async def on_chat(self, room: str, user: str, text: str) -> None:
        await self.lottery.on_chat(room, user, text)

    async def on_follow(self, room: str, user: str) -> None:
        await self.lottery.on_follow(room, user)

    async def close(self) -> None:
        await self.lottery.close()
