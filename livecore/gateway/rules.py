"""What a connection decides without doing any I/O: the frame gate, the dispatch table, host-room rules.

``connection.Connection`` executes these decisions (writing, closing, publishing); this module only looks at what
the connection knows (its identity's expiry, whether it has joined and where, whether its last join failed), the
raw message and the time, and says what to do. No asyncio, no Redis, no sockets, no gateway node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from ..auth import Identity
from ..core import modrules
from ..core.guard import WindowCounter
from ..protocol import client as c
from ..protocol.codec import CLIENT_MESSAGES, CLIENT_TYPES, client_decoder
from ..protocol.codes import CloseCode, ErrorCode
from ..protocol.ids import HOST_PREFIX, JOIN_TARGET
from ..protocol.limits import MAX_NESTING, too_deep

_generic = msgspec.json.Decoder()

MALFORMED = frozenset({ErrorCode.BAD_FRAME, ErrorCode.UNKNOWN_TYPE, ErrorCode.INVALID})

NOT_JOINED = "join a room first"
JOIN_FAILED = "the join failed (room unavailable): join again, then retry"


@dataclass(frozen=True, slots=True)
class Close:
    """Close the connection with this code and reason."""

    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class Refuse:
    """Answer an ``error`` frame (counted towards the flood and malformed-frame limits)."""

    code: ErrorCode
    message: str
    rid: str | None = None


@dataclass(frozen=True, slots=True)
class Dispatch:
    """Hand the decoded message to its handler (``HANDLERS``)."""

    msg: c.ClientMsg


Decision = Close | Refuse | Dispatch

EXPIRED = Close(CloseCode.TOKEN_EXPIRED, "token expired")
BINARY = Close(CloseCode.UNSUPPORTED_DATA, "binary frames are not supported")
TOO_DEEP = Refuse(ErrorCode.BAD_FRAME, f"JSON nested more than {MAX_NESTING} deep")
NOT_AN_OBJECT = Refuse(ErrorCode.BAD_FRAME, "not a JSON object")

ROOMLESS: frozenset[type[Any]] = frozenset({c.Ping, c.Join, c.Leave})
"""Client messages answered without a joined room; every other one needs a room."""

HANDLERS: dict[type[Any], str] = {
    c.Ping: "on_ping",
    c.Join: "on_join",
    c.Leave: "on_leave",
    c.Chat: "on_chat",
    c.Like: "on_like",
    c.Gift: "on_gift",
    c.Share: "on_share_follow",
    c.Follow: "on_share_follow",
    c.Click: "on_click_cart",
    c.Cart: "on_click_cart",
    c.Mute: "on_moderation",
    c.Unmute: "on_moderation",
    c.Delete: "on_moderation",
    c.Pin: "on_moderation",
}
"""The ``Connection`` method that handles each core client message class; every other one (a feature's) goes
to ``FEATURE_HANDLER``, which hands it to the feature's part (``livecore.features``)."""

FEATURE_HANDLER = "on_feature"


def handler_names() -> dict[type[Any], str]:
    """The handler of every client message class the decoder knows."""
    return {kind: HANDLERS.get(kind, FEATURE_HANDLER) for kind in CLIENT_MESSAGES}


def gate(message: str | bytes, now: float, *, exp: int, joined: bool, join_failed: bool) -> Decision:
    """The decision on one whole message from the viewer (text as str, binary as bytes) at ``now`` (epoch s).

    ``exp`` is the token's expiry (0: none), ``joined`` whether the connection is in a room, ``join_failed``
    whether its last join failed for want of Redis (room actions then answer ``unavailable``)."""
    if exp and now >= exp:  # a token that expired while connected: viewers may keep watching, but not act
        return EXPIRED
    if isinstance(message, bytes):
        return BINARY
    data = message.encode()
    if too_deep(data):
        return TOO_DEEP
    try:
        msg = client_decoder.decode(data)
    except msgspec.ValidationError as exc:
        return invalid(data, str(exc))
    except msgspec.DecodeError:
        return NOT_AN_OBJECT
    if joined or type(msg) in ROOMLESS:
        return Dispatch(msg)
    rid = getattr(msg, "rid", None)
    if join_failed:
        return Refuse(ErrorCode.UNAVAILABLE, JOIN_FAILED, rid)
    return Refuse(ErrorCode.NOT_JOINED, NOT_JOINED, rid)


def invalid(data: bytes, detail: str) -> Refuse:
    """The refusal of a JSON frame the client decoder rejected: not an object, an unknown type, or bad fields."""
    try:
        obj = _generic.decode(data)
    except msgspec.DecodeError:
        obj = None
    if not isinstance(obj, dict):
        return NOT_AN_OBJECT
    if not isinstance(kind := obj.get("type"), str) or kind not in CLIENT_TYPES:  # a list is unhashable
        return Refuse(ErrorCode.UNKNOWN_TYPE, f"unknown type {str(kind)[:40]!r}", _rid(obj))
    return Refuse(ErrorCode.INVALID, detail, _rid(obj))


def flood_close(code: ErrorCode, malformed: WindowCounter, refusals: WindowCounter, now: float) -> Close | None:
    """Counts one refusal of ``code``; the close it calls for once too many came in the window, if any."""
    if code in MALFORMED and malformed.hit(now):
        return Close(CloseCode.PROTOCOL_VIOLATION, "too many malformed frames")
    if refusals.hit(now):
        return Close(CloseCode.FLOOD, "too many refused frames")
    return None


# -- joining and moderating ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Target:
    """Where a ``join`` goes: ``room`` as named, ``base`` the room itself ("42" for both "42" and "host:42")."""

    room: str
    base: str
    is_host: bool


ROOM_FORBIDDEN = Close(CloseCode.ROOM_FORBIDDEN, "this token does not allow that room")


def join_target(who: Identity, msg: c.Join) -> Target | Close | Refuse:
    """The room a ``join`` may enter, or why not: a bad id, a token bound to another room (closed), or a host
    room for someone who is not its host nor an admin. Whether the room exists is the caller's look-up."""
    room = msg.room
    if not JOIN_TARGET.match(room):
        return Refuse(ErrorCode.INVALID, "bad room id", msg.rid)
    is_host = room.startswith(HOST_PREFIX)
    base = room[len(HOST_PREFIX):] if is_host else room
    if not who.may_join(base):
        return ROOM_FORBIDDEN
    if is_host and not who.may_control(base):
        return Refuse(ErrorCode.FORBIDDEN, "host room: only the host or an admin", msg.rid)
    return Target(room, base, is_host)


def moderation_refusal(who: Identity, room: str, msg: c.Mute | c.Unmute | c.Delete | c.Pin) -> Refuse | None:
    """A moderation frame is refused unless its sender controls ``room`` and it passes the API's checks
    (livecore.core.modrules); ``None`` lets it through to the store."""
    if not who.may_control(room):
        return Refuse(ErrorCode.FORBIDDEN, "only the host or an admin", msg.rid)
    problem = (modrules.mute_problem(msg.user, msg.seconds) if isinstance(msg, c.Mute)
               else modrules.user_problem(msg.user) if isinstance(msg, c.Unmute)
               else modrules.pin_problem(msg.msg, msg.text) if isinstance(msg, c.Pin) else None)
    return Refuse(ErrorCode.INVALID, problem, msg.rid) if problem is not None else None


# -- host room -------------------------------------------------------------------------------------
# A host joins "host:<room>" for control; actions there that would show in the room are not viewer actions.

NO_BARRAGE = "no barrage in the host room"


def chat_refusal(room: str | None, base_room: str | None, rid: str | None) -> Refuse | None:
    """A chat sent from the host room is refused (forbidden); ``None`` lets it through to the chat checks."""
    return Refuse(ErrorCode.FORBIDDEN, NO_BARRAGE, rid) if room != base_room else None


def likes_counted_here(room: str | None, base_room: str | None) -> bool:
    """Likes count in the room itself only; in the host room they are dropped without an answer."""
    return room == base_room


def _rid(obj: dict[str, Any]) -> str | None:
    rid = obj.get("rid")
    return rid if isinstance(rid, str) else None
