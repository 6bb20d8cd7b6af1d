"""The room event of red packets: launched (with the seed hash) and ended (with the seed and the result)."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from ...protocol.events import _Event


class RedPacketEvent(_Event, tag="redpacket", kw_only=True):
    """Reliable. ``launched``: kind, total, count, starts_at, ends_at, condition, watch_s, phrase (password
    packets), seed_hash. ``ended``: grabbed, count, given, total, leftover, seed_hash, seed, top (the biggest
    grabs: user, name, amount)."""

    redpacket: str = ""
    phase: Literal["launched", "ended"]
    data: dict[str, Any] = msgspec.field(default_factory=dict)
