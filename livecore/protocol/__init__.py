"""The single wire schema of livecore (JSON text frames, msgspec Structs)."""

from . import client, events, server
from .codec import client_decoder, encode, event_decoder, server_decoder
from .codes import CloseCode, ErrorCode, should_reconnect

__all__ = [
    "client", "events", "server", "encode", "client_decoder", "server_decoder", "event_decoder",
    "CloseCode", "ErrorCode", "should_reconnect",
]
