"""Redis keys of share attribution and friends' help (every per-room key under the room's hash tag)."""

from __future__ import annotations

from dataclasses import dataclass

from ...keys import Keys


@dataclass(frozen=True, slots=True)
class ShareKeys:
    keys: Keys

    def attribution(self, room: str) -> str:
        """Hash user -> JSON {r: referrer, ch: channel, at: touched ms, g: group}: each viewer's referrer."""
        return self.keys.room(room, "share", "attr")

    def seen(self, room: str) -> str:
        """Set of ``<user>|<sharer>|<channel>`` visits already counted (a reload counts once)."""
        return self.keys.room(room, "share", "seen")

    def funnel(self, room: str) -> str:
        """Hash ``<channel>:<step>`` -> count (steps: codes, shares, visits, new, joins, orders, gmv) and ``seq``."""
        return self.keys.room(room, "share", "funnel")

    def sharers(self, room: str) -> str:
        """Set of users who made a share code in the room."""
        return self.keys.room(room, "share", "sharers")

    def last_channel(self, room: str) -> str:
        """Hash user -> the channel of the last code they made (a ``share`` interaction counts for it)."""
        return self.keys.room(room, "share", "lastch")

    def brought(self, room: str) -> str:
        """Sorted set referrer -> new viewers they brought."""
        return self.keys.room(room, "share", "brought")

    def referred_gmv(self, room: str) -> str:
        """Sorted set referrer -> GMV (cents) of the orders credited to them."""
        return self.keys.room(room, "share", "gmv")

    def credited(self, room: str) -> str:
        """Hash order id -> JSON credit record: an order is credited at most once."""
        return self.keys.room(room, "share", "credited")

    def tallied(self, room: str) -> str:
        """Set of interaction ids already counted as shares."""
        return self.keys.room(room, "share", "tallied")

    def outbox(self, room: str) -> str:
        """The room's share outbox stream (visits, referrals, credits, helps), persisted by the ``share`` worker."""
        return self.keys.room(room, "share", "out")

    def rooms(self) -> str:
        """Global set of rooms with a share outbox."""
        return self.keys.global_key("share", "rooms")

    # -- friends' help ------------------------------------------------------------------------------------
    def help_campaign(self, room: str) -> str:
        """Hash of the room's help campaign: id, need, batch, title, status."""
        return self.keys.room(room, "share", "help")

    def helpers(self, room: str, campaign: str, asker: str) -> str:
        """Set of friends who helped ``asker`` in ``campaign``."""
        return self.keys.room(room, "share", "help", campaign, "by", asker)

    def unlocked(self, room: str, campaign: str) -> str:
        """Hash asker -> ms when their helps reached the need (the coupon was granted)."""
        return self.keys.room(room, "share", "help", campaign, "unlocked")

    def grants(self, room: str, campaign: str) -> str:
        """Hash asker -> the coupon claim id granted (written after the claim; the script is the authority)."""
        return self.keys.room(room, "share", "help", campaign, "grants")
