"""AsyncAPI 3.0 document of the gateway's WebSocket protocol, built from ``schema.protocol_schema``.

One channel (``/ws``), one message per client and server message type, a ``send`` operation per client message
(with its answer as the reply where there is one) and a ``receive`` operation per server message. The error
codes and close codes are schemas (``ErrorCode``, ``CloseCode``) and are also listed on the channel.
"""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from ..protocol.codes import CLOSE_NOTES, should_reconnect
from .schema import protocol_schema

_SCHEMAS = "#/components/schemas/"

# client message -> the server message that answers it (when it has a rid, or always)
_REPLIES = {"Join": "Joined", "Ping": "Pong", "Buy": "Result", "Claim": "Result", "Enter": "Result",
            "Gift": "Result", "Chat": "Result", "Leave": "Result", "Mute": "Result", "Unmute": "Result",
            "Delete": "Result", "Pin": "Result"}


def _rewrite(node: Any) -> Any:
    text = json.dumps(node).replace('"#/$defs/', '"' + _SCHEMAS)
    return json.loads(text)


def _msg_name(struct: str) -> str:
    return struct[0].lower() + struct[1:]


def asyncapi_document() -> dict[str, Any]:
    schema = protocol_schema()
    defs = _rewrite(schema["$defs"])
    for union in ("ClientMessage", "ServerMessage", "RoomEvent"):
        defs[union]["discriminator"] = "type"
    tags = schema["x-livecore"]
    messages: dict[str, Any] = {}
    for struct in tags["client"] + tags["server"]:
        d = defs[struct]
        messages[_msg_name(struct)] = {
            "name": d["properties"]["type"]["enum"][0],
            "title": struct,
            **({"summary": d["description"].split("\n")[0]} if "description" in d else {}),
            "contentType": "application/json",
            "payload": {"$ref": _SCHEMAS + struct},
        }
    channel_messages = {name: {"$ref": f"#/components/messages/{name}"} for name in messages}
    close_table = "\n".join(f"| {int(c)} | {'yes' if should_reconnect(c) else 'no'} | {note} |"
                            for c, note in CLOSE_NOTES.items())
    operations: dict[str, Any] = {}
    for struct in tags["client"]:
        name = _msg_name(struct)
        op: dict[str, Any] = {
            "action": "send", "channel": {"$ref": "#/channels/gateway"},
            "summary": f"send `{messages[name]['name']}`",
            "messages": [{"$ref": f"#/channels/gateway/messages/{name}"}],
        }
        reply = _REPLIES.get(struct)
        if reply:
            op["reply"] = {"channel": {"$ref": "#/channels/gateway"},
                           "messages": [{"$ref": f"#/channels/gateway/messages/{_msg_name(reply)}"},
                                        {"$ref": "#/channels/gateway/messages/error"}]}
        operations["send" + struct] = op
    for struct in tags["server"]:
        name = _msg_name(struct)
        operations["receive" + struct] = {
            "action": "receive", "channel": {"$ref": "#/channels/gateway"},
            "summary": f"receive `{messages[name]['name']}`",
            "messages": [{"$ref": f"#/channels/gateway/messages/{name}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "livecore gateway",
            "version": __version__,
            "description": "The WebSocket protocol of `livecore gateway`: one JSON object per text frame, tagged "
                           "by `type`. Prose, ordering and resume rules: docs/protocol.md.",
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {"host": "127.0.0.1:8765", "protocol": "ws", "pathname": "/ws",
                      "description": "a gateway started with `livecore gateway`",
                      "security": [{"$ref": "#/components/securitySchemes/queryToken"},
                                   {"$ref": "#/components/securitySchemes/bearer"}]},
        },
        "channels": {
            "gateway": {
                "address": "/ws",
                "title": "the viewer's connection",
                "description": "Connect with `?token=JWT` (or `Authorization: Bearer JWT`), send `join`, then "
                               "frames follow. Close codes (reconnect = resume with `last_offset` after a "
                               "jittered backoff):\n\n| code | reconnect | meaning |\n|---|---|---|\n" + close_table,
                "messages": channel_messages,
                "bindings": {"ws": {"query": {"type": "object", "properties": {
                    "token": {"type": "string", "description": "the viewer's JWT (HS256)"}}}}},
                "x-close-codes": {"$ref": _SCHEMAS + "CloseCode"},
                "x-error-codes": {"$ref": _SCHEMAS + "ErrorCode"},
            },
        },
        "operations": operations,
        "components": {
            "schemas": defs,
            "messages": messages,
            "securitySchemes": {
                "queryToken": {"type": "httpApiKey", "name": "token", "in": "query"},
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
        },
    }
