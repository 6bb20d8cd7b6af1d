"""Publishing side of a room: reliable events, lossy events, state; plus snapshot and replay reads.

Every producer (gateways, the commerce service, ranking workers, the API) publishes through this class, so
the format on the wire and in the stream is defined once (``wire.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from redis.asyncio import Redis

from ..keys import Keys
from ..protocol.codec import encode
from ..protocol.events import RoomEvent
from ..replies import entries, fields, text
from ..scripts import Scripts
from . import offsets, wire

_json_decoder = msgspec.json.Decoder()


@dataclass(frozen=True, slots=True)
class Replay:
    """Reliable events after an offset, or ``resync`` when that offset has been trimmed away."""

    events: list[tuple[str, bytes]]  # (offset, event JSON with "offset" spliced in)
    resync: bool = False


class RoomBus:
    def __init__(self, redis: Redis, keys: Keys, scripts: Scripts, *, events_maxlen: int = 1000,
                 events_ttl_s: int = 86400, state_ttl_s: int = 7 * 86400) -> None:
        self.redis = redis
        self.keys = keys
        self.scripts = scripts
        self.events_maxlen = events_maxlen
        self.events_ttl_s = events_ttl_s
        self.state_ttl_s = state_ttl_s

    # -- publishing ----------------------------------------------------------------------------------
    async def publish_reliable(self, room: str, event: RoomEvent | bytes) -> str:
        offset = await self._append(room, event)
        assert offset is not None
        return offset

    async def publish_reliable_once(self, room: str, event: RoomEvent | bytes, flag_key: str,
                                    flag_field: str) -> str | None:
        """``publish_reliable`` unless ``flag_field`` of the hash ``flag_key`` (a key of the same room) is set,
        setting it in the same script: the event is told exactly once. Returns its offset, ``None`` if it had
        been told already."""
        return await self._append(room, event, (flag_key, flag_field))

    async def _append(self, room: str, event: RoomEvent | bytes, once: tuple[str, str] | None = None) -> str | None:
        """``room_publish`` (or ``room_publish_once`` guarded by ``once``: the flag's hash and field)."""
        payload = event if isinstance(event, bytes) else encode(event)
        keys = [self.keys.room_events(room)]
        args: list[Any] = [self.keys.room_channel(room), payload, self.events_maxlen, self.events_ttl_s]
        if once is not None:
            keys.append(once[0])
            args.append(once[1])
        offset = await self.scripts.call("room_publish" if once is None else "room_publish_once", keys, args)
        return None if offset is None else text(offset)

    async def publish(self, room: str, event: RoomEvent | bytes, lane: wire.Lane = wire.Lane.LOSSY) -> None:
        payload = event if isinstance(event, bytes) else encode(event)
        await self.redis.publish(self.keys.room_channel(room), wire.encode_lossy(lane, payload))

    async def set_state(self, room: str, state: Mapping[str, Any]) -> None:
        """Latest-value-wins fields; ``None`` removes a field."""
        if state:
            await self.scripts.call("room_state", keys=[self.keys.room_state(room)], args=self._state_args(room, state))

    async def set_states(self, changes: Sequence[tuple[str, Mapping[str, Any]]], chunk: int = 500) -> None:
        """``set_state`` for many rooms, pipelined (one round trip per ``chunk`` rooms): a ranking worker pushes
        the rank of every active room each second."""
        for i in range(0, len(changes), chunk):
            pipe = self.redis.pipeline(transaction=False)
            for room, state in changes[i:i + chunk]:
                if state:
                    await self.scripts.queue(pipe, "room_state", [self.keys.room_state(room)],
                                             self._state_args(room, state))
            if len(pipe):
                await self.scripts.execute(pipe)

    def _state_args(self, room: str, state: Mapping[str, Any]) -> list[Any]:
        args: list[Any] = [self.keys.room_channel(room), encode(dict(state)), self.state_ttl_s]
        for key, value in state.items():
            args += [key, encode(value)]
        return args

    # -- reading -------------------------------------------------------------------------------------
    async def state(self, room: str) -> dict[str, Any]:
        raw = fields(await self.redis.hgetall(self.keys.room_state(room)))
        return {text(k): _json_decoder.decode(v) for k, v in raw.items()}

    async def last_offset(self, room: str) -> str | None:
        last = entries(await self.redis.xrevrange(self.keys.room_events(room), count=1))
        return text(last[0][0]) if last else None

    async def replay(self, room: str, after: str) -> Replay:
        """Reliable events strictly after ``after``; ``resync`` if some of them were trimmed."""
        stream = self.keys.room_events(room)
        if not offsets.is_valid(after):
            return Replay([], resync=True)
        first = entries(await self.redis.xrange(stream, count=1))
        if not first:
            return Replay([], resync=True)
        first_id = text(first[0][0])
        last = entries(await self.redis.xrevrange(stream, count=1))
        if not last:  # the stream expired between the two reads
            return Replay([], resync=True)
        last_id = text(last[0][0])
        if offsets.before(last_id, after):
            return Replay([], resync=True)  # an offset from the future: another stream generation
        if offsets.before(after, first_id) and not await self._untrimmed(stream, first_id):
            return Replay([], resync=True)
        out = []
        for entry_id, values in entries(await self.redis.xrange(stream, min="(" + after, max="+")):
            offset = text(entry_id)
            out.append((offset, wire.with_offset(offset, values[b"e"])))
        return Replay(out)

    async def _untrimmed(self, stream: str, first_id: str) -> bool:
        """True when nothing was ever trimmed from the stream (its first entry is still the first added)."""
        info = await self.redis.xinfo_stream(stream)
        added = info.get("entries-added")  # Redis 7+; older servers cannot tell, so they resync
        return added is not None and int(added) == int(info["length"])

