"""Which rooms exist, for the gateway's join: a room is created through the API (``POST /api/rooms``), stored in
PostgreSQL and added to the set of created rooms in Redis (``RankKeys.known``, which the API also fills from
PostgreSQL at start-up). A join naming any other room is refused ``not_found``, so a mistyped room id never
becomes a phantom room with presence, interactions and a place in the rankings.

Rooms are never deleted, so a room seen to exist is remembered by the process (bounded); an unknown one is
asked again on every join (it may have been created a moment ago).
"""

from __future__ import annotations

from redis.asyncio import Redis

from ..keys import Keys
from ..ranking.names import RankKeys

HOST_PREFIX = "host:"


class RoomDirectory:
    def __init__(self, redis: Redis, keys: Keys, remember: int = 100_000) -> None:
        self.redis = redis
        self.key = RankKeys(keys).known()
        self.remember = remember
        self._known: set[str] = set()

    async def exists(self, room: str) -> bool:
        """True when ``room`` (or, for ``host:<room>``, its base room) was created."""
        base = room.removeprefix(HOST_PREFIX)
        if base in self._known:
            return True
        if not await self.redis.sismember(self.key, base):
            return False
        if len(self._known) >= self.remember:
            self._known.clear()
        self._known.add(base)
        return True
