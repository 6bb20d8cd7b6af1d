"""``RoomStore``: the ``rooms`` table (and the host who owns each room)."""

from __future__ import annotations

from typing import Any

import asyncpg

from ..core.outcome import RefusedError
from ..protocol.codes import ErrorCode


def card(row: asyncpg.Record, *, with_words: bool) -> dict[str, Any]:
    """A room as the API shows it; its word list only to its host."""
    out: dict[str, Any] = {"id": row["id"], "host": row["host_id"], "title": row["title"], "cover": row["cover_url"]}
    if with_words:
        out["words"] = list(row["words"])
    return out


class RoomStore:
    def __init__(self, db: asyncpg.Pool) -> None:
        self.db = db

    async def load(self, room: str) -> asyncpg.Record:
        row = await self.db.fetchrow("SELECT * FROM rooms WHERE id = $1", room)
        if row is None:
            raise RefusedError(ErrorCode.NOT_FOUND, f"room {room} does not exist")
        return row

    async def save(self, room: str, *, user: str, name: str, admin: bool, title: str, cover: str,
                   words: list[str]) -> tuple[asyncpg.Record, bool]:
        """Create the room for ``user`` or update it; ``(row, created)``. Another host's room is refused."""
        async with self.db.acquire() as conn, conn.transaction():
            existing = await conn.fetchrow("SELECT host_id FROM rooms WHERE id = $1", room)
            if existing is not None and existing["host_id"] != user and not admin:
                raise RefusedError(ErrorCode.ALREADY, f"room {room} belongs to another host")
            host = existing["host_id"] if existing is not None else user
            await conn.execute("INSERT INTO hosts (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", host, name)
            row = await conn.fetchrow(
                "INSERT INTO rooms (id, host_id, title, cover_url, words) VALUES ($1, $2, $3, $4, $5) "
                "ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, cover_url = EXCLUDED.cover_url, "
                "words = EXCLUDED.words RETURNING *", room, host, title, cover, words)
        return row, existing is None

    async def update(self, room: str, *, title: str | None, cover: str | None) -> asyncpg.Record:
        row = await self.db.fetchrow(
            "UPDATE rooms SET title = COALESCE($2, title), cover_url = COALESCE($3, cover_url) WHERE id = $1 "
            "RETURNING *", room, title, cover)
        if row is None:
            raise RefusedError(ErrorCode.NOT_FOUND, f"room {room} does not exist")
        return row

    async def set_words(self, room: str, words: list[str]) -> None:
        await self.db.execute("UPDATE rooms SET words = $2 WHERE id = $1", room, words)

    async def audit_rows(self, room: str, n: int) -> list[dict[str, Any]]:
        rows = await self.db.fetch("SELECT * FROM audit_log WHERE room_id = $1 ORDER BY id DESC LIMIT $2", room, n)
        return [{"id": r["id"], "actor": r["actor"], "action": r["action"], "detail": r["detail"],
                 "at": ms(r["at"])} for r in rows]


def ms(value: Any) -> int | None:
    """A timestamp column as epoch milliseconds."""
    return None if value is None else int(value.timestamp() * 1000)
