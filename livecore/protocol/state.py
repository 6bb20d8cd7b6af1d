"""The room state: latest-value-wins fields of a room's state hash, one type per key.

A publisher builds the value as its type (a Struct from ``state_commerce`` / ``state_ranking``, or a plain
scalar) and hands it to ``RoomBus.set_state``; the join snapshot, frames and resyncs carry it as JSON. ``STATE_KEYS``
maps each key pattern (``{id}`` stands for an id) to its type: the contracts document it as JSON Schema and the
TypeScript SDK as ``RoomState``. Keys of the host room (``host:<room>``) are listed in ``HOST_KEYS``.
"""

from __future__ import annotations

from typing import Any, Final, Literal

import msgspec

from .state_commerce import CouponState, LotteryState, ProductState, SaleState
from .state_ranking import FigureChange, FunnelStep, MetricsState, RankState, TopEntry

DemoHost = Literal["running", "paused", "off"]


class PinnedState(msgspec.Struct, forbid_unknown_fields=True):
    """``pinned``: the message pinned above the barrage (置顶); ``msg`` the barrage id it came from, if any."""

    msg: str
    text: str
    by: str  # who pinned it
    ts: int


STATE_KEYS: Final[dict[str, Any]] = {
    "live": bool,
    "title": str,
    "cover": str,
    "session": str,  # the live session's id (stays after the session ends)
    "live_since": int,  # when the session started
    "online": int,  # viewers now, summed over gateways
    "peak": int,  # highest online
    "uv": int,  # unique viewers (HyperLogLog estimate)
    "likes": int,
    "product": ProductState,
    "sale:{id}": SaleState,
    "stock:{id}": int,  # the live stock of sale id
    "coupon:{id}": CouponState,
    "lottery": LotteryState,
    "pinned": PinnedState,
    "rank": RankState,
    "top": list[TopEntry],
    "demo_host": DemoHost,  # the demo's scripted host switch (demo mode)
    "metrics": MetricsState,  # host room only
    # the room games' and social features' values: JSON objects described in docs/features/*.md, not yet Structs
    "poll": dict[str, Any] | None,
    "redpacket:{id}": dict[str, Any] | None,
    "groupbuy:{deal}": dict[str, Any] | None,
    "share:help": dict[str, Any] | None,
}
HOST_KEYS: Final[frozenset[str]] = frozenset({"metrics"})

_EXACT = {k: v for k, v in STATE_KEYS.items() if "{" not in k}
_PREFIXES = {k.split("{", 1)[0]: v for k, v in STATE_KEYS.items() if "{" in k}

STRUCTS: Final[tuple[type[msgspec.Struct], ...]] = (
    SaleState, CouponState, LotteryState, ProductState, PinnedState, RankState, TopEntry, MetricsState, FunnelStep,
    FigureChange)


def pattern_of(key: str) -> str | None:
    """The ``STATE_KEYS`` pattern ``key`` belongs to (``sale:s1`` -> ``sale:{id}``), or None for an unknown key."""
    if key in _EXACT:
        return key
    for prefix in _PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return prefix + "{id}"
    return None


def state_type(key: str) -> Any:
    """The type of the value of state key ``key``; ``KeyError`` for a key no publisher writes."""
    pattern = pattern_of(key)
    if pattern is None:
        raise KeyError(key)
    return STATE_KEYS[pattern]


_decoders: dict[str, msgspec.json.Decoder[Any]] = {p: msgspec.json.Decoder(t) for p, t in STATE_KEYS.items()}


def decode_value(key: str, raw: bytes | str) -> Any:
    """Decode the JSON value of ``key`` strictly into its type (``msgspec.ValidationError`` when it is not)."""
    pattern = pattern_of(key)
    if pattern is None:
        raise KeyError(key)
    return _decoders[pattern].decode(raw)


__all__ = [
    "HOST_KEYS", "STATE_KEYS", "STRUCTS", "CouponState", "DemoHost", "FigureChange", "FunnelStep", "LotteryState",
    "MetricsState", "PinnedState", "ProductState", "RankState", "SaleState", "TopEntry", "decode_value", "pattern_of",
    "state_type",
]
