"""JSON Schema (2020-12) of every client message, server message and room event, from ``livecore.protocol``.

One document with three entry points under ``$defs``: ``ClientMessage``, ``ServerMessage`` and ``RoomEvent``
(each a union tagged by ``type``), plus one definition per message. ``frame.events`` items are room events
(the Struct keeps them as raw bytes so that a frame is encoded once; the schema says what they are).
"""

from __future__ import annotations

from typing import Any

import msgspec

from ..protocol.codec import AnyRoomEvent as RoomEvent
from ..protocol.codec import ClientMessage
from ..protocol.codes import CLOSE_NOTES, ERROR_NOTES, should_reconnect
from ..protocol.server import ServerMessage

SCHEMA_ID = "https://livecore.dev/schema/protocol.json"
REF = "#/$defs/{name}"


def _tags(union: Any) -> list[str]:
    return [t.__name__ for t in union.__args__]


def protocol_schema() -> dict[str, Any]:
    (client, server, event), defs = msgspec.json.schema_components(
        [ClientMessage, ServerMessage, RoomEvent], ref_template=REF)
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
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "livecore WebSocket protocol",
        "description": "One JSON object per text frame, tagged by `type`. See docs/protocol.md.",
        "$defs": dict(sorted(defs.items())),
        "x-livecore": {"client": _tags(ClientMessage), "server": _tags(ServerMessage), "events": _tags(RoomEvent)},
    }
