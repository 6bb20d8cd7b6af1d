"""``RoomModel``: what a viewer knows of a room, built from the server messages exactly as docs/protocol.md says
(pure: no I/O; the TypeScript SDK's ``RoomModel`` in clients/ts/src/room.ts follows the same rules).

- ``joined``: the snapshot replaces the state. A fresh join takes the snapshot's offset; a resumed one keeps the
  offset it resumes from, since the replayed events (after it) follow.
- ``resync``: the snapshot replaces the state and the offset (reliable events in between are gone).
- ``frame``: events in order; a reliable event (one with an ``offset``) at or before the model's offset was
  already seen and is dropped, so a replay never delivers twice. A ``moderation`` ``delete`` removes the chat
  message it names. Then the ``state`` changes (latest value wins, ``null`` removes the key), then the frame's
  ``offset``.
- ``events`` keeps the newest ``max_events`` events delivered.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import msgspec

from ..protocol.server import Frame, Joined, Resync

_decoder = msgspec.json.Decoder(dict[str, Any])


def offset_key(offset: str) -> tuple[int, int]:
    """Offsets are Redis stream ids ``<ms>-<seq>``, ordered by both numbers."""
    ms, _, seq = offset.partition("-")
    return int(ms), int(seq or 0)


def after(a: str | None, b: str | None) -> bool:
    """Whether offset ``a`` comes after ``b`` (anything comes after no offset)."""
    if a is None:
        return False
    return b is None or offset_key(a) > offset_key(b)


class RoomModel:
    def __init__(self, max_events: int = 200) -> None:
        self.room: str | None = None
        self.state: dict[str, Any] = {}
        self.offset: str | None = None
        self.events: deque[dict[str, Any]] = deque(maxlen=max_events)
        self.resyncs = 0

    def reset(self, room: str | None = None) -> None:
        """A different room: forget everything."""
        self.room, self.state, self.offset = room, {}, None
        self.events.clear()

    def apply(self, msg: Any) -> list[dict[str, Any]]:
        """Apply one server message; the room events it delivers (new ones only, in order)."""
        match msg:
            case Joined():
                if msg.room != self.room:
                    self.reset(msg.room)
                self.state = dict(msg.state)
                if self.offset is None:
                    self.offset = msg.offset
            case Resync():
                self.state = dict(msg.state)
                self.offset = msg.offset
                self.resyncs += 1
            case Frame():
                return self.apply_frame(msg.events, msg.state, msg.offset)
        return []

    def apply_frame(self, events: list[Any], state: dict[str, Any], offset: str | None) -> list[dict[str, Any]]:
        delivered: list[dict[str, Any]] = []
        for raw in events:
            event = raw if isinstance(raw, dict) else _decoder.decode(raw)
            eo = event.get("offset")
            if eo is not None:
                if not after(eo, self.offset):
                    continue  # already seen (a replay overlapping what this model had)
                self.offset = eo
            if event.get("type") == "moderation" and event.get("action") == "delete" and event.get("msg"):
                gone = event["msg"]
                kept = [e for e in self.events if not (e.get("type") == "chat" and e.get("id") == gone)]
                self.events.clear()
                self.events.extend(kept)
            self.events.append(event)
            delivered.append(event)
        for key, value in state.items():
            if value is None:
                self.state.pop(key, None)
            else:
                self.state[key] = value
        if after(offset, self.offset):
            self.offset = offset
        return delivered

    def snapshot(self) -> dict[str, Any]:
        """A plain-data view (compared with the TypeScript model's ``snapshot()`` in the SDK tests)."""
        return {"room": self.room, "state": self.state, "offset": self.offset, "events": list(self.events)}
