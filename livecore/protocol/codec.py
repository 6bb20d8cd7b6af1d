"""Encoders and decoders, built once per process."""

from __future__ import annotations

import msgspec

from .client import ClientMessage
from .events import RoomEvent
from .server import ServerMessage

encoder = msgspec.json.Encoder()
client_decoder: msgspec.json.Decoder[ClientMessage] = msgspec.json.Decoder(ClientMessage)
server_decoder: msgspec.json.Decoder[ServerMessage] = msgspec.json.Decoder(ServerMessage)
event_decoder: msgspec.json.Decoder[RoomEvent] = msgspec.json.Decoder(RoomEvent)


def encode(obj: object) -> bytes:
    return encoder.encode(obj)
