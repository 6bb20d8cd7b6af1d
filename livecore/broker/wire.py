"""The format of messages on a room's pub/sub channel (pure, no I/O).

    R<offset>\\n<event JSON>   a reliable event, already appended to the room's stream at <offset>
    L<lane>\\n<event JSON>     a lossy event; lane b = barrage (sampled to the room budget),
                               p = priority (host message, never dropped), l = other lossy (share, follow)
    S<state JSON>             a latest-value-wins state change (object of key -> value, null removes)

Event JSON is kept as bytes all the way to the viewers: the gateway never decodes and re-encodes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Lane(StrEnum):
    BARRAGE = "b"
    PRIORITY = "p"
    LOSSY = "l"
    RELIABLE = "R"


@dataclass(frozen=True, slots=True)
class BusEvent:
    lane: Lane
    payload: bytes  # event JSON (for state: the state object JSON)
    offset: str | None = None


@dataclass(frozen=True, slots=True)
class BusState:
    payload: bytes


def encode_lossy(lane: Lane, event_json: bytes) -> bytes:
    return b"L" + lane.value.encode() + b"\n" + event_json


def encode_state(state_json: bytes) -> bytes:
    return b"S" + state_json


def with_offset(offset: str, event_json: bytes) -> bytes:
    """Splice ``"offset"`` into an event object without re-encoding it."""
    return b'{"offset":"' + offset.encode() + b'",' + event_json[1:]


def decode(message: bytes) -> BusEvent | BusState:
    head = message[:1]
    if head == b"S":
        return BusState(message[1:])
    nl = message.index(b"\n")
    if head == b"R":
        offset = message[1:nl].decode()
        return BusEvent(Lane.RELIABLE, with_offset(offset, message[nl + 1:]), offset)
    if head == b"L":
        return BusEvent(Lane(message[1:nl].decode()), message[nl + 1:])
    raise ValueError(f"unknown bus message kind {head!r}")
