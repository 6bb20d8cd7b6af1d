"""Redis key names of group deals (拼团). Every key of a deal and its groups carries the room's hash tag, so each
``groupbuy_*.lua`` script touches one Redis Cluster slot."""

from __future__ import annotations

from dataclasses import dataclass

from ...idem import idem_id
from ...keys import Keys


@dataclass(frozen=True, slots=True)
class GroupKeys:
    keys: Keys

    def deal(self, room: str, deal: str) -> str:
        """Hash: the deal's terms and its counters (left, reserved, confirmed, released, opened, completed,
        dissolved)."""
        return self.keys.room(room, "gb", deal)

    def users(self, room: str, deal: str) -> str:
        """Hash user -> units the user holds in the deal (open groups and complete ones)."""
        return self.keys.room(room, "gb", deal, "users")

    def open_groups(self, room: str, deal: str) -> str:
        """Zset group -> deadline (ms) of the deal's open groups."""
        return self.keys.room(room, "gb", deal, "open")

    def groups(self, room: str, deal: str) -> str:
        """Set of every group the deal ever had (reconciliation)."""
        return self.keys.room(room, "gb", deal, "groups")

    def idem(self, room: str, deal: str, user: str, key: str) -> str:
        return self.keys.room(room, "gb", deal, "idem", idem_id(user, key))

    def group(self, room: str, group: str) -> str:
        """Hash: the group (deal, leader, size, deadline, status, n) and its members m<i>/o<i>/k<i>/t<i> (user,
        order id, key, join ms of the i-th member), u:<user> (their place) and, once complete, pay_by and each
        member's payment ps<i>/pr<i>/pa<i> (paid | lapsed, payment reference, when); after ``livecore restore``,
        rs / rst / rp<i> (the members, the status and the payments it put back)."""
        return self.keys.room(room, "gbg", group)

    def deals(self, room: str) -> str:
        """Zset deal -> created at (ms) of the room's deals."""
        return self.keys.room(room, "gb", "deals")

    def timers(self, room: str) -> str:
        """Zset group -> due (ms): the deadline of an open group, or the end of the announcement lease of a
        settled one whose event the room has not been told yet."""
        return self.keys.room(room, "gb", "due")

    def pay_due(self, room: str) -> str:
        """Zset group -> pay_by (ms) of the room's complete groups with members who have not paid yet."""
        return self.keys.room(room, "gb", "paydue")

    def stream(self, room: str) -> str:
        """The room's group-buy outbox (joins, completions, dissolutions, payments, lapses), persisted by the
        groupbuy worker."""
        return self.keys.room(room, "gb", "out")

    def rooms(self) -> str:
        """Global set of rooms that have group deals (the worker and the timer find their streams here)."""
        return self.keys.global_key("groupbuy", "rooms")
