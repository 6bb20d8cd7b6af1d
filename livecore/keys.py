"""Redis key names.

Every key of one room carries the room's hash tag (``{r:ID}``) and every key of one sale, coupon batch or
lottery lives under the tag of the room it belongs to, so any Lua script touches one Redis Cluster slot.
The prefix isolates deployments (and tests) sharing one Redis.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str = "lc"

    # -- per room (all under the room's hash tag) -------------------------------------------------
    def room(self, room: str, *parts: str) -> str:
        tail = ":".join(parts)
        return f"{self.prefix}:{{r:{room}}}:{tail}" if tail else f"{self.prefix}:{{r:{room}}}"

    def room_channel(self, room: str) -> str:
        """Pub/sub channel carrying every event and state change of a room to the gateways."""
        return self.room(room, "bus")

    def room_events(self, room: str) -> str:
        """Bounded stream of reliable room events; entry ids are the offsets clients resume from."""
        return self.room(room, "events")

    def room_state(self, room: str) -> str:
        """Hash of latest-value-wins state fields (JSON values), the base of every join snapshot."""
        return self.room(room, "state")

    def room_presence(self, room: str) -> str:
        """Hash node id -> local viewer count, summed for the online figure."""
        return self.room(room, "presence")

    def room_uv(self, room: str) -> str:
        return self.room(room, "uv")

    def room_peak(self, room: str) -> str:
        return self.room(room, "peak")

    def room_moderation(self, room: str, what: str) -> str:
        return self.room(room, "mod", what)

    def interactions(self, room: str) -> str:
        """The room's shard of the interaction log."""
        return self.room(room, "ix")

    # -- global -------------------------------------------------------------------------------------
    def node_alive(self, node: str) -> str:
        return f"{self.prefix}:node:{node}"

    def global_key(self, *parts: str) -> str:
        return f"{self.prefix}:" + ":".join(parts)

    def pattern(self) -> str:
        """Glob matching every key of this prefix (for cleanup in tests and tools)."""
        return f"{self.prefix}:*"
