"""Encoders and decoders, built once per process.

The client messages and room events are the core ones (``client.CORE_MESSAGES``, ``events.RoomEvent``) and
every registered feature's (``livecore.features.registry``): one union each, decoded by type tag.
"""

from __future__ import annotations

from typing import Any, Union

import msgspec

from ..features import registry
from .client import CORE_MESSAGES, ClientMsg
from .events import RoomEvent
from .server import ServerMessage

CLIENT_MESSAGES: tuple[type[ClientMsg], ...] = (*CORE_MESSAGES, *registry.client_messages())  # type: ignore[arg-type]
ROOM_EVENTS: tuple[type[msgspec.Struct], ...] = (*RoomEvent.__args__, *registry.room_events())

ClientMessage: Any = Union[CLIENT_MESSAGES]  # noqa: UP007 - a union built at run time from the registry
AnyRoomEvent: Any = Union[ROOM_EVENTS]  # noqa: UP007
CLIENT_TYPES: frozenset[str] = frozenset(t.__struct_config__.tag for t in CLIENT_MESSAGES)  # type: ignore[misc]

encoder = msgspec.json.Encoder()
client_decoder: msgspec.json.Decoder[ClientMsg] = msgspec.json.Decoder(ClientMessage)
server_decoder: msgspec.json.Decoder[ServerMessage] = msgspec.json.Decoder(ServerMessage)
event_decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(AnyRoomEvent)


def encode(obj: object) -> bytes:
    return encoder.encode(obj)
