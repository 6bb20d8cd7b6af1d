"""``RoomModeration``: the HTTP face of the moderation store the gateways enforce (``livecore.moderation``):
mutes (with the muted users' names), deleted and pinned messages, the room's own words."""

from __future__ import annotations

from typing import Any

from ..moderation.store import ModerationStore
from ..people import PeopleStore
from ..runtime import Runtime


class RoomModeration:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.store = ModerationStore(rt.redis, rt.keys, rt.bus, rt.clock)

    async def mute(self, room: str, user: str, seconds: int, *, by: str) -> int:
        """Mutes ``user``; answers until when (epoch ms)."""
        return int(await self.store.mute(room, user, seconds, by=by) * 1000)

    async def unmute(self, room: str, user: str, *, by: str) -> None:
        await self.store.unmute(room, user, by=by)

    async def muted(self, room: str) -> list[dict[str, Any]]:
        rows = await self.store.muted(room)
        listed = [{"user": user, "until": int(until * 1000)} for user, until in sorted(rows.items())]
        return await PeopleStore(self.rt.redis, self.rt.keys).with_names(listed)  # the name beside the id

    async def delete(self, room: str, msg: str, *, by: str) -> None:
        await self.store.delete_message(room, msg, by=by)

    async def pin(self, room: str, msg: str | None, text: str | None, *, by: str) -> Any:
        """Pins a message or a text; neither unpins (answers ``None``)."""
        if not msg and not text:
            await self.store.unpin(room)
            return None
        return await self.store.pin(room, msg, text, by=by)

    async def set_words(self, room: str, words: list[str]) -> None:
        await self.store.set_words(room, words)
