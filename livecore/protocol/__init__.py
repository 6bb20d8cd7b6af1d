"""The single wire schema of livecore (JSON text frames, msgspec Structs)."""

from . import client, events, server
from .codec import client_decoder, encode, event_decoder, server_decoder
from .codes import CloseCode, ErrorCode, should_reconnect

__all__ = [
    "CloseCode",
    "ErrorCode",
    "client",
    "client_decoder",
    "encode",
    "event_decoder",
    "events",
    "server",
    "server_decoder",
    "should_reconnect",
]
