"""Display names of people (user id -> the name their token carries), so lists show names, not ids.

A viewer's token names them (``Identity.name``); the gateway remembers it when they join a room and the API when
it issues a demo token. The lists that name people (contributors, the room's top 3, muted users, lottery winners,
order lines) carry the name beside the id; an unknown user's name is their id.

One Redis hash for the deployment (``<prefix>:people:names``), refreshed with a TTL on every write, so names of
people gone for a month fall away. The helpers at the top are pure; ``PeopleStore`` does the I/O.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from redis.asyncio import Redis

from . import replies
from .keys import Keys

MAX_NAME = 32  # characters kept of a display name (the pages cut longer ones visually, with an ellipsis)
NAMES_TTL_S = 30 * 86400


# -- pure ----------------------------------------------------------------------------------------------------
def display_name(user: str, name: str | None) -> str | None:
    """The name worth remembering for ``user``: trimmed, control characters dropped, at most ``MAX_NAME``
    characters; None when nothing is left or it is the user id itself (the id is the fallback anyway)."""
    if not name:
        return None
    cleaned = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    cleaned = " ".join(cleaned.split())[:MAX_NAME].strip()
    if not cleaned or cleaned == user:
        return None
    return cleaned


def name_of(user: str, names: Mapping[str, str]) -> str:
    return names.get(user) or user


def with_names(rows: Sequence[Mapping[str, Any]], names: Mapping[str, str],
               field: str = "user") -> list[dict[str, Any]]:
    """Each row with ``name`` beside its ``field`` (a row's own non-empty ``name`` is kept)."""
    out: list[dict[str, Any]] = []
    for row in rows:
        item = dict(row)
        user = str(item.get(field, ""))
        if not item.get("name"):
            item["name"] = name_of(user, names)
        out.append(item)
    return out


def names_for(users: Iterable[str], names: Mapping[str, str]) -> dict[str, str]:
    """``{user: name}`` for each user (the id where no name is known)."""
    return {u: name_of(u, names) for u in users}


# -- I/O -----------------------------------------------------------------------------------------------------
class PeopleStore:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self.key = keys.global_key("people", "names")

    async def remember(self, user: str, name: str | None) -> bool:
        """Store ``user``'s display name; False (and no write) when there is none worth storing."""
        shown = display_name(user, name)
        if not user or shown is None:
            return False
        pipe = self.redis.pipeline(transaction=False)
        pipe.hset(self.key, user, shown)
        pipe.expire(self.key, NAMES_TTL_S)
        await pipe.execute()
        return True

    async def names(self, users: Iterable[str]) -> dict[str, str]:
        """The known names of ``users`` (users without one are left out)."""
        wanted = list(dict.fromkeys(u for u in users if u))
        if not wanted:
            return {}
        got = await self.redis.hmget(self.key, wanted)
        return {u: replies.text(v) for u, v in zip(wanted, got, strict=True) if v is not None}

    async def with_names(self, rows: Sequence[Mapping[str, Any]], field: str = "user") -> list[dict[str, Any]]:
        return with_names(rows, await self.names(str(r.get(field, "")) for r in rows), field)

    async def names_for(self, users: Sequence[str]) -> dict[str, str]:
        return names_for(users, await self.names(users))
