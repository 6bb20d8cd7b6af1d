"""The loop every feature's ``restore`` shares: the open records of one table in a restore's scope, each
handed with one service to the feature's own rebuild (which leaves alone what Redis still holds)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from ..runtime import Runtime

R = TypeVar("R")


class Closable(Protocol):
    async def close(self) -> None: ...


S = TypeVar("S", bound=Closable)


async def restore_open(rt: Runtime, *, table: str, order: str, room: str | None, ident: str | None,
                       service: Callable[[Runtime], S], one: Callable[[Runtime, S, Any], Awaitable[R]]) -> list[R]:
    """``one(rt, svc, row)`` for each row of ``table`` (a name from code, never from input) with status
    ``open``, in ``room`` (or every room) and of id ``ident`` (or every id), by room then ``order``."""
    assert rt.db is not None
    rows = await rt.db.fetch(
        f"""SELECT * FROM {table} WHERE status = 'open' AND ($1::text IS NULL OR room_id = $1)
               AND ($2::text IS NULL OR id = $2) ORDER BY room_id, {order}""", room, ident)
    svc = service(rt)
    try:
        return [await one(rt, svc, row) for row in rows]
    finally:
        await svc.close()
