"""Redis key names of polls: every key of one poll is under its room's hash tag, so each script touches one
slot; the due set and the set of rooms with an outbox are global."""

from __future__ import annotations

from dataclasses import dataclass

from ...keys import Keys


@dataclass(frozen=True, slots=True)
class PollKeys:
    k: Keys

    def poll(self, room: str, poll: str) -> str:
        return self.k.room(room, "poll", poll)

    def tally(self, room: str, poll: str) -> str:
        return self.k.room(room, "poll", poll, "tally")

    def votes(self, room: str, poll: str) -> str:
        return self.k.room(room, "poll", poll, "votes")

    def seed(self, room: str, poll: str) -> str:
        return self.k.room(room, "poll", poll, "seed")

    def pointer(self, room: str) -> str:
        return self.k.room(room, "poll", "open")

    def followers(self, room: str) -> str:
        """The users who followed the host in the room: the set the lottery's follow condition reads, kept by
        every part that hears follows (``Part.on_follow``)."""
        return self.k.room(room, "followers")

    def stream(self, room: str) -> str:
        """The room's polls outbox (votes and closes), persisted by the ``polls-persist`` worker."""
        return self.k.room(room, "polls")

    def rooms(self) -> str:
        """Global set of rooms that have a polls outbox, for the worker to discover."""
        return self.k.global_key("polls", "rooms")

    def due(self) -> str:
        """Global sorted set ``room:poll`` -> when the timer should (finish) closing it, epoch ms."""
        return self.k.global_key("polls", "due")
