"""JSON Schema (2020-12) of every client message, server message and room event, from ``livecore.protocol``.

One document with three entry points under ``$defs``: ``ClientMessage``, ``ServerMessage`` and ``RoomEvent``
(each a union tagged by ``type``), plus one definition per message. ``frame.events`` items are room events
(the Struct keeps them as raw bytes so that a frame is encoded once; the schema says what they are).
The room state's values (``livecore.protocol.state``) are defined there too: ``RoomState`` is the object a
snapshot carries (a frame's ``state`` holds some of its keys, ``null`` for a removed one), and
``x-livecore.state`` maps each key pattern (``sale:{id}``) to the schema of its value.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ..protocol.codec import AnyRoomEvent as RoomEvent
from ..protocol.codec import ClientMessage
from ..protocol.codes import CLOSE_NOTES, ERROR_NOTES, should_reconnect
from ..protocol.server import ServerMessage
from ..protocol.state import HOST_KEYS, STATE_KEYS

SCHEMA_ID = "https://livecore.dev/schema/protocol.json"
REF = "#/$defs/{name}"


def _tags(union: Any) -> list[str]:
    return [t.__name__ for t in union.__args__]


def protocol_schema() -> dict[str, Any]:
    patterns = list(STATE_KEYS)
    (client, server, event, *values), defs = msgspec.json.schema_components(
        [ClientMessage, ServerMessage, RoomEvent, *STATE_KEYS.values()], ref_template=REF)
    state = dict(zip(patterns, values, strict=True))
    defs["Frame"]["properties"]["events"]["items"] = {"$ref": REF.format(name="RoomEvent")}
    for name, union in (("ClientMessage", client), ("ServerMessage", server), ("RoomEvent", event)):
        kinds = {defs[r["$ref"].rsplit("/", 1)[1]]["properties"]["type"]["enum"][0]: r["$ref"] for r in union["anyOf"]}
        defs[name] = {"title": name, "oneOf": union["anyOf"], "x-tags": kinds}
    defs["ErrorCode"] = {"title": "ErrorCode", "description": "The `code` of an `error` (and of refused commerce "
                         "results); HTTP errors use the same vocabulary, which has a few codes of its own (their "
                         "notes start with `HTTP:`).",
                         "oneOf": [{"const": c.value, "description": note} for c, note in ERROR_NOTES.items()]}
    defs["CloseCode"] = {"title": "CloseCode", "description": "WebSocket close codes. `x-reconnect`: whether a client "
                         "reconnects (with backoff, resuming from `last_offset`).",
                         "oneOf": [{"const": int(c), "description": note, "x-reconnect": should_reconnect(c)}
                                   for c, note in CLOSE_NOTES.items()]}
    defs["RoomState"] = _room_state(state)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "livecore WebSocket protocol",
        "description": "One JSON object per text frame, tagged by `type`. See docs/protocol.md.",
        "$defs": dict(sorted(defs.items())),
        "x-livecore": {"client": _tags(ClientMessage), "server": _tags(ServerMessage), "events": _tags(RoomEvent),
                       "state": state, "host_state": sorted(HOST_KEYS)},
    }


def _room_state(state: dict[str, Any]) -> dict[str, Any]:
    """The state object of a room: a property per key, a pattern per ``{id}`` key (``sale:{id}`` -> ``^sale:.+$``)."""
    fixed = {k: v for k, v in state.items() if "{" not in k}
    patterns = {"^" + k.split("{", 1)[0] + ".+$": v for k, v in state.items() if "{" in k}
    return {"title": "RoomState", "type": "object",
            "description": "Latest-value-wins room state (docs/protocol.md section 6); `metrics` is in `host:<room>`.",
            "properties": fixed, "patternProperties": patterns}
