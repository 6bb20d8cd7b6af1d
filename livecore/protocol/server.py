"""Server -> client messages.

``state`` maps are latest-value-wins: a key present replaces the viewer's value. Keys (see docs/protocol.md):
``live``, ``title``, ``cover``, ``session``, ``online``, ``peak``, ``uv``, ``likes``, ``product``, ``sale:<id>``,
``stock:<id>``, ``coupon:<id>``, ``lottery``, ``pinned``, ``rank``, ``top``, ``metrics``. A null value removes the key.
"""

from __future__ import annotations

from typing import Any

import msgspec


class _Msg(msgspec.Struct, tag_field="type", omit_defaults=True):
    pass


class Joined(_Msg, tag="joined"):
    room: str
    user: str
    role: str
    state: dict[str, Any]  # the room snapshot
    offset: str | None = None  # last reliable offset included in the snapshot
    replayed: int = 0  # reliable events replayed after last_offset, delivered in the next frames
    rid: str | None = None


class Frame(_Msg, tag="frame"):
    """Everything that happened in the room during one merge tick."""

    room: str
    events: list[msgspec.Raw] = []
    state: dict[str, Any] = {}
    offset: str | None = None  # last reliable offset this frame brings the viewer to
    ts: int = 0


class Resync(_Msg, tag="resync"):
    """The offset asked for is gone: replace all room state with this snapshot."""

    room: str
    state: dict[str, Any]
    offset: str | None = None


class Result(_Msg, tag="result"):
    """The successful answer to a request (buy, claim, enter, gift, moderation)."""

    rid: str | None = None
    data: dict[str, Any] = {}


class Error(_Msg, tag="error"):
    code: str
    message: str = ""
    rid: str | None = None
    retry_after: float | None = None


class Pong(_Msg, tag="pong"):
    t: float | None = None
    server_ts: int = 0


ServerMessage = Joined | Frame | Resync | Result | Error | Pong
