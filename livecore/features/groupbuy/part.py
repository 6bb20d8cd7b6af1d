"""The gateway's part of group-buy: ``group_open`` and ``group_join`` go to ``GroupBuyService``."""

from __future__ import annotations

from ...runtime import Runtime
from ..base import Answer, Ask, Part
from .messages import GroupJoin, GroupOpen
from .service import GroupBuyService


class GroupBuyPart(Part):
    def __init__(self, rt: Runtime, service: GroupBuyService | None = None) -> None:
        self.service = service or GroupBuyService(rt)

    async def handle(self, ask: Ask, msg: GroupOpen | GroupJoin) -> Answer:
        if isinstance(msg, GroupOpen):
            return await self.service.open(ask.room, ask.user, msg.deal, msg.key)
        return await self.service.join(ask.room, ask.user, msg.group, msg.key, msg.share)

    async def close(self) -> None:
        await self.service.close()
