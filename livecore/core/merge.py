"""Per-room tick merger: everything a room produced during one tick becomes one frame.

Events stay the raw JSON bytes they travelled as (reliable ones with their ``offset`` already spliced in);
state changes are latest-value-wins per key, and a key set again to the value this merger last sent is left
out (several processes publish the same fields: a repeat would cost every viewer a frame and say nothing).
``flush`` encodes the frame once for every viewer of the room, plus a "lite" variant without barrage and other
lossy events for viewers that are behind: they skip what is lossy by design but still converge on state and
receive every reliable and priority event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from ..broker import offsets
from ..broker.wire import Lane
from ..protocol.codec import encode
from ..protocol.server import Frame

LOSSY_LANES = frozenset({Lane.BARRAGE, Lane.LOSSY})

state_decoder = msgspec.json.Decoder(dict[str, msgspec.Raw])


@dataclass(slots=True)
class MergedFrame:
    full: bytes  # the encoded frame for viewers keeping up
    lite: bytes | None  # without lossy events; ``full`` itself when there were none; None when nothing is left
    events: list[tuple[Lane, bytes, str | None]] = field(default_factory=list)
    state: dict[str, msgspec.Raw] = field(default_factory=dict)
    offset: str | None = None


class TickMerger:
    def __init__(self, room: str, last_offset: str | None = None) -> None:
        self.room = room
        self.last_offset = last_offset  # newest reliable offset seen: older ones are duplicates
        self._events: list[tuple[Lane, bytes, str | None]] = []
        self._state: dict[str, msgspec.Raw] = {}
        self._sent: dict[str, bytes] = {}  # the state values of the frames flushed so far, by key
        self._lossy = 0
        self._offset: str | None = None

    def add(self, lane: Lane, payload: bytes, offset: str | None = None) -> bool:
        """Queue an event for this tick; a reliable event at or before the last offset is dropped (False)."""
        if offset is not None:
            if self.last_offset is not None and not offsets.before(self.last_offset, offset):
                return False
            self.last_offset = self._offset = offset
        elif lane in LOSSY_LANES:
            self._lossy += 1
        self._events.append((lane, payload, offset))
        return True

    def add_state(self, changes: dict[str, msgspec.Raw]) -> None:
        self._state.update(changes)

    def add_state_json(self, payload: bytes) -> None:
        self._state.update(state_decoder.decode(payload))

    def _changed(self) -> dict[str, msgspec.Raw]:
        """This tick's state keys whose value differs from the one last sent (and remember the new ones)."""
        sent, changed = self._sent, {}
        for key, value in self._state.items():
            raw = bytes(value)
            if sent.get(key) == raw:
                continue
            changed[key] = value
            if raw == b"null":  # a removed key: nothing to remember
                sent.pop(key, None)
            else:
                sent[key] = raw
        return changed

    def __bool__(self) -> bool:
        return bool(self._events) or bool(self._state)

    def flush(self, ts_ms: int) -> MergedFrame | None:
        """The frame of this tick (None when nothing happened); the merger starts the next tick empty."""
        if not self._events and not self._state:
            return None
        events, offset, lossy = self._events, self._offset, self._lossy
        state = self._changed()
        self._events, self._state, self._offset, self._lossy = [], {}, None, 0
        if not events and not state:
            return None
        full = encode(Frame(room=self.room, events=[msgspec.Raw(e[1]) for e in events], state=state,
                            offset=offset, ts=ts_ms))
        lite: bytes | None = full
        if lossy:
            kept = [msgspec.Raw(e[1]) for e in events if e[0] not in LOSSY_LANES]
            lite = (encode(Frame(room=self.room, events=kept, state=state, offset=offset, ts=ts_ms))
                    if kept or state else None)
        return MergedFrame(full=full, lite=lite, events=events, state=state, offset=offset)


def catch_up_frame(room: str, replayed: list[tuple[str, bytes]], buffered: list[MergedFrame], ts_ms: int,
                   after: str | None) -> bytes | None:
    """The one frame a joining viewer gets after its ``joined``: replayed reliable events, then what arrived
    live while it joined, minus reliable events at or before ``after`` (already replayed or in the snapshot).
    """
    events: list[msgspec.Raw] = []
    state: dict[str, msgspec.Raw] = {}
    last = after
    for offset, payload in replayed:
        events.append(msgspec.Raw(payload))
        last = offset
    for frame in buffered:
        for _lane, payload, event_offset in frame.events:
            if event_offset is not None:
                if last is not None and not offsets.before(last, event_offset):
                    continue
                last = event_offset
            events.append(msgspec.Raw(payload))
        state.update(frame.state)
    if not events and not state:
        return None
    return encode(Frame(room=room, events=events, state=state, offset=last, ts=ts_ms))
