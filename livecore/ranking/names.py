"""Redis key names of the rankings.

Per-room keys live under the room's hash tag (``lc:{r:ID}:rk...``) so one Lua call per room batch touches one
Cluster slot; the platform rankings live under one ``{rank}`` tag so the hot ranking and its landmark share a
slot.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core import funnel
from ..core.session import OUTSIDE
from ..keys import Keys

GROUP = "ranking"
NO_SESSION = OUTSIDE  # interactions while the room is not live (livecore.core.session)
FUNNEL_KEYS: tuple[str, ...] = funnel.KEYS
SESSION_KEYS_TTL_S = 2 * 86400  # per-session ranking keys expire this long after their last write


@dataclass(frozen=True, slots=True)
class RankKeys:
    keys: Keys

    def rk(self, room: str) -> str:
        """The room's ranking hash; every other per-room key below is named from it (see ranking_apply.lua)."""
        return self.keys.room(room, "rk")

    def sub(self, room: str, *parts: object) -> str:
        return self.keys.room(room, "rk", *(str(p) for p in parts))

    def minute(self, room: str, minute: int) -> str:
        return self.sub(room, "m", minute)

    def session(self, room: str, session: str) -> str:
        return self.sub(room, "s", session)

    def contributors(self, room: str, session: str) -> str:
        return self.sub(room, "c", session)

    def product_gmv(self, room: str, session: str) -> str:
        return self.sub(room, "pg", session)

    def product_units(self, room: str, session: str) -> str:
        return self.sub(room, "pu", session)

    def funnel(self, room: str, session: str, step: str) -> str:
        return self.sub(room, "f", session, step)

    def inside(self, room: str) -> str:
        return self.sub(room, "in")

    def chat(self, room: str) -> str:
        return self.sub(room, "chat")

    def keywords(self, room: str) -> str:
        return self.sub(room, "kw")

    def keywords_lock(self, room: str) -> str:
        return self.sub(room, "kwlock")

    def room_hour(self, room: str, hour: int) -> str:
        return self.sub(room, "h", hour)

    def stream(self, room: str) -> str:
        return self.keys.interactions(room)

    def rooms(self) -> str:
        """Set of room ids that have an interaction stream (written by the producers)."""
        return self.keys.global_key("ix", "rooms")

    def hot(self) -> str:
        return self.keys.global_key("{rank}", "hot")

    def known(self) -> str:
        """Set of the rooms created through the API (``POST /api/rooms``): only these enter the platform
        rankings, so interactions sent to made-up room ids never fill the public hot or hourly ranking."""
        return self.keys.global_key("{rank}", "known")

    def hot_meta(self) -> str:
        return self.keys.global_key("{rank}", "hot", "meta")

    def stats(self) -> str:
        """Hash of operational counters (interactions applied)."""
        return self.keys.global_key("{rank}", "stats")

    def hourly(self, hour: int) -> str:
        return self.keys.global_key("{rank}", "hourly", str(hour))

    def consumers(self) -> str:
        """ZSET of the live ranking consumers -> heartbeat expiry (ms, Redis time); see ``ranking.affinity``."""
        return self.keys.global_key("{rank}", "consumers")
