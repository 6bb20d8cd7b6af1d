"""The gateway's part of polls: ``vote`` goes to ``PollService`` with the viewer's watch time; each accepted
vote is an interaction (``Kind.VOTE``) for the rankings; follows are recorded for the follow condition."""

from __future__ import annotations

from ...core.outcome import accepted
from ...interactions.log import InteractionLog
from ...interactions.model import Interaction, Kind
from ...runtime import Runtime
from ..base import Answer, Ask, Part
from .keys import PollKeys
from .messages import Vote
from .service import PollService


class PollsPart(Part):
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.polls = PollService(rt)
        s = rt.settings
        self.log = InteractionLog(rt.redis, rt.keys, maxlen=s.interaction_maxlen, buffer=s.interaction_buffer)

    async def handle(self, ask: Ask, msg: Vote) -> Answer:
        answer = await self.polls.vote(ask.room, ask.user, msg.poll, msg.options, ask.watched_s)
        if accepted(answer) and not answer["repeated"]:
            self.log.start()
            # the id makes the ranking count a vote (and its one change) once, whichever gateway sent it
            self.log.emit(Interaction(id=f"vote:{msg.poll}:{ask.user}:{answer['rev']}", kind=Kind.VOTE.value,
                                      room=ask.room, user=ask.user, ts=int(ask.now * 1000)))
        return answer

    async def on_follow(self, room: str, user: str) -> None:
        await self.rt.redis.sadd(PollKeys(self.rt.keys).followers(room), user)

    async def close(self) -> None:
        try:
            await self.polls.close()
        finally:
            await self.log.close()

