"""Polls and quizzes (投票 / 答题): the host opens a poll, viewers vote over the room socket (``polls_vote.lua``
decides each vote), live tallies go out as the ``poll`` room state at most once per tick, the close is one
reliable event, and votes and results reach PostgreSQL through the room's ``polls`` outbox stream."""

from ..base import Feature
from .events import PollEvent
from .messages import Vote

FEATURE = Feature(
    name="polls",
    messages=(Vote,),
    events=(PollEvent,),
    gateway="livecore.features.polls.part:PollsPart",
    routes=("livecore.features.polls.routes",),
    workers={"polls-timer": "livecore.features.polls.worker:timer",
             "polls-persist": "livecore.features.polls.worker:persister"},
    restore="livecore.features.polls.restore:restore",
    state={"poll": "the room's current poll: question, options with live tallies, window; the result once closed"},
    console="features/polls/console.js",
    viewer="features/polls/viewer.js",
)
