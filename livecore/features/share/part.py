"""The gateway's part of share attribution: share codes, visits through them, helps and help progress."""

from __future__ import annotations

from ...runtime import Runtime
from ..base import Answer, Ask, Part
from .help import HelpService
from .messages import HelpFriend, HelpStatus, ShareCodeAsk, ShareVisit
from .service import ShareService


class SharePart(Part):
    def __init__(self, rt: Runtime) -> None:
        self.share = ShareService(rt)
        self.helps = HelpService(rt, self.share)

    async def handle(self, ask: Ask, msg: ShareCodeAsk | ShareVisit | HelpFriend | HelpStatus) -> Answer:
        match msg:
            case ShareCodeAsk():
                return await self.share.make_code(ask.room, ask.user, msg.channel, msg.group)
            case ShareVisit():
                return await self.share.visit(ask.room, ask.user, msg.code, msg.group)
            case HelpFriend():
                return await self.helps.help(ask.room, ask.user, msg.code)
            case HelpStatus():
                return await self.helps.status(ask.room, ask.user)
        raise TypeError(type(msg))

    async def close(self) -> None:
        await self.helps.close()
