"""The single wire schema of livecore (JSON text frames, msgspec Structs).

The codecs are reached lazily (``livecore.protocol.encode`` imports ``codec`` on first use): the codec's
client union includes every registered feature's messages, and a feature's messages import this package."""

from __future__ import annotations

import importlib
from typing import Any

from .codes import CloseCode, ErrorCode, should_reconnect

_CODEC = {"client_decoder", "encode", "event_decoder", "server_decoder"}
_MODULES = {"client", "events", "server"}

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


def __getattr__(name: str) -> Any:
    if name in _CODEC:
        return getattr(importlib.import_module(".codec", __name__), name)
    if name in _MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
