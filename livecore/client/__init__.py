"""Python client SDK for the livecore gateway (used by tests, benchmarks and the demo's bots)."""

from .backoff import Backoff
from .client import LiveClient
from .room import RoomModel

__all__ = ["Backoff", "LiveClient", "RoomModel"]
