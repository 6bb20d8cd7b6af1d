"""The audit log: one row per host action (who did what to which room, with which arguments)."""

from __future__ import annotations

from typing import Any, Protocol


class Executes(Protocol):
    """An asyncpg connection or pool (inside a transaction, the row commits with the action)."""

    async def execute(self, query: str, *args: Any) -> str: ...


async def audit(db: Executes, room: str, actor: str, action: str, detail: dict[str, Any] | None = None) -> None:
    await db.execute("INSERT INTO audit_log (room_id, actor, action, detail) VALUES ($1, $2, $3, $4)",
                     room, actor, action, detail or {})
