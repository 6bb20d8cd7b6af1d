"""``LiveSessions``: a room's live shows (``live_sessions``): starting one, ending it, listing them.

Starting a show sets the room's ``live``/``session`` state, enters the viewers already in the room into the new
session's funnel, and publishes a reliable ``LiveEvent``; ending it clears the screen."""

from __future__ import annotations

from typing import Any

import asyncpg

from ..core.outcome import RefusedError
from ..protocol.codes import ErrorCode
from ..protocol.events import LiveEvent
from ..ranking.names import SESSION_KEYS_TTL_S, RankKeys
from ..runtime import Runtime
from . import rules
from .store import RoomStore, ms


def session_of(r: asyncpg.Record) -> dict[str, Any]:
    return {"id": r["id"], "title": r["title"], "started_at": ms(r["started_at"]), "ended_at": ms(r["ended_at"])}


class LiveSessions:
    def __init__(self, rt: Runtime, db: asyncpg.Pool) -> None:
        self.rt = rt
        self.db = db

    async def list(self, room: str, n: int) -> list[dict[str, Any]]:
        rows = await self.db.fetch(
            "SELECT * FROM live_sessions WHERE room_id = $1 ORDER BY started_at DESC LIMIT $2", room, n)
        return [session_of(r) for r in rows]

    async def start(self, room: str, title: str | None) -> dict[str, Any]:
        """A new live session (``already`` while one runs); ``title`` renames the room when given."""
        row = await RoomStore(self.db).load(room)
        title = rules.title(title) if title is not None else row["title"]
        sid = rules.new_id("s")
        async with self.db.acquire() as conn, conn.transaction():
            await conn.execute("SELECT 1 FROM rooms WHERE id = $1 FOR UPDATE", room)  # one start at a time
            if await conn.fetchval("SELECT 1 FROM live_sessions WHERE room_id = $1 AND ended_at IS NULL", room):
                raise RefusedError(ErrorCode.ALREADY, "the room is already live; end the session first")
            session = await conn.fetchrow(
                "INSERT INTO live_sessions (id, room_id, title) VALUES ($1, $2, $3) RETURNING *", sid, room, title)
            if title != row["title"]:
                await conn.execute("UPDATE rooms SET title = $2 WHERE id = $1", room, title)
        rt = self.rt
        started = ms(session["started_at"])
        await rt.bus.set_state(room, {"live": True, "session": sid, "title": title, "cover": row["cover_url"],
                                      "live_since": started})
        names = RankKeys(rt.keys)  # the viewers already in the room enter the new session (its funnel's first step)
        await rt.scripts.call("ranking_session_start", keys=[names.inside(room), names.funnel(room, sid, "enter")],
                              args=[started, SESSION_KEYS_TTL_S])
        await rt.bus.publish_reliable(room, LiveEvent(ts=int(rt.clock.now() * 1000), phase="started", session=sid,
                                                      title=title))
        return session_of(session)

    async def end(self, room: str) -> dict[str, Any]:
        await RoomStore(self.db).load(room)
        session = await self.db.fetchrow(
            "UPDATE live_sessions SET ended_at = now() WHERE room_id = $1 AND ended_at IS NULL RETURNING *", room)
        if session is None:
            raise RefusedError(ErrorCode.NOT_LIVE, "the room is not live")
        rt = self.rt
        await rt.bus.set_state(room, {"live": False, "product": None, "live_since": None})
        await rt.bus.publish_reliable(room, LiveEvent(ts=int(rt.clock.now() * 1000), phase="ended",
                                                      session=session["id"], title=session["title"]))
        return session_of(session)
