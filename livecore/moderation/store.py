"""Redis-backed moderation state shared by every gateway and the API.

- Mutes: a sorted set ``mod:muted`` per room, member = user, score = expiry (epoch seconds); expired members
  are ignored and pruned.
- Sensitive words of a room: a set ``mod:words``.
- Deleting a message publishes a reliable ``moderation`` event so every viewer (also one resuming later)
  removes it; pinning is the latest-value-wins state key ``pinned``.

Gateways keep mutes and room words in memory (the barrage path must not wait on Redis per message). Every
change is announced on the room's control channel ``mod:ctl`` (payload ``muted`` or ``words``) and every
gateway with viewers in the room reloads that part at once. The control channel is separate from the room
bus so viewers never see the word list.
"""

from __future__ import annotations

from collections.abc import Iterable

from redis.asyncio import Redis

from .. import replies
from ..broker.room_bus import RoomBus
from ..broker.wire import Lane
from ..clock import Clock, SystemClock
from ..keys import Keys
from ..protocol.events import ModerationEvent
from ..protocol.state import PinnedState

MUTED = "muted"
WORDS = "words"


def host_room(room: str) -> str:
    """The host-only companion room carrying moderation notices and live metrics for the console."""
    return f"host:{room}"


class ModerationStore:
    def __init__(self, redis: Redis, keys: Keys, bus: RoomBus, clock: Clock | None = None) -> None:
        self.redis = redis
        self.keys = keys
        self.bus = bus
        self.clock = clock or SystemClock()

    def control_channel(self, room: str) -> str:
        return self.keys.room_moderation(room, "ctl")

    async def _announce(self, room: str, what: str) -> None:
        await self.redis.publish(self.control_channel(room), what)

    # -- mutes ---------------------------------------------------------------------------------------
    async def mute(self, room: str, user: str, seconds: int, by: str = "") -> float:
        """Mute ``user`` in ``room`` for ``seconds``; returns the expiry (epoch seconds)."""
        until = self.clock.now() + max(1, seconds)
        key = self.keys.room_moderation(room, MUTED)
        pipe = self.redis.pipeline(transaction=True)
        pipe.zadd(key, {user: until})
        pipe.expireat(key, int(until) + 60, gt=True)
        pipe.expireat(key, int(until) + 60, nx=True)
        await pipe.execute()
        await self._announce(room, MUTED)
        await self.bus.publish(host_room(room), ModerationEvent(action="mute", user=user, text=by,
                                                                ts=int(self.clock.now() * 1000)), Lane.PRIORITY)
        return until

    async def unmute(self, room: str, user: str, by: str = "") -> bool:
        removed = await self.redis.zrem(self.keys.room_moderation(room, MUTED), user)
        await self._announce(room, MUTED)
        await self.bus.publish(host_room(room), ModerationEvent(action="unmute", user=user, text=by,
                                                                ts=int(self.clock.now() * 1000)), Lane.PRIORITY)
        return bool(removed)

    async def muted(self, room: str) -> dict[str, float]:
        """Users muted now -> expiry (epoch seconds)."""
        key = self.keys.room_moderation(room, MUTED)
        now = self.clock.now()
        pipe = self.redis.pipeline(transaction=False)
        pipe.zremrangebyscore(key, "-inf", now)
        pipe.zrangebyscore(key, now, "+inf", withscores=True)
        _, rows = await pipe.execute()
        return {replies.text(user): float(score) for user, score in rows}

    async def is_muted(self, room: str, user: str) -> bool:
        score = await self.redis.zscore(self.keys.room_moderation(room, MUTED), user)
        return score is not None and float(score) > self.clock.now()

    # -- sensitive words -----------------------------------------------------------------------------
    async def words(self, room: str) -> list[str]:
        return sorted(replies.text(w) for w in await self.redis.smembers(self.keys.room_moderation(room, WORDS)))

    async def set_words(self, room: str, words: Iterable[str]) -> list[str]:
        cleaned = sorted({w.strip() for w in words if w.strip()})
        key = self.keys.room_moderation(room, WORDS)
        pipe = self.redis.pipeline(transaction=True)
        pipe.execute_command("DEL", key)  # a cluster pipeline has no delete()
        if cleaned:
            pipe.sadd(key, *cleaned)
        await pipe.execute()
        await self._announce(room, WORDS)
        return cleaned

    # -- messages ------------------------------------------------------------------------------------
    async def delete_message(self, room: str, msg: str, by: str = "") -> str:
        """Tell every viewer to remove barrage message ``msg``; returns the event's offset."""
        return await self.bus.publish_reliable(
            room, ModerationEvent(action="delete", msg=msg, user=by, ts=int(self.clock.now() * 1000)))

    async def pin(self, room: str, msg: str | None, text: str | None, by: str = "") -> PinnedState:
        pinned = PinnedState(msg=msg or "", text=text or "", by=by, ts=int(self.clock.now() * 1000))
        await self.bus.set_state(room, {"pinned": pinned})
        return pinned

    async def unpin(self, room: str) -> None:
        await self.bus.set_state(room, {"pinned": None})
