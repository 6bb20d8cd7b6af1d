"""Share codes (分享码): short, signed, URL-safe tokens naming who shared a room (or a group in it), on which
channel, and when. Pure: no I/O, no clock (the caller passes times).

A code is base62 of ``head | issued | sharer | mac``:

* ``head`` (1 byte): version (high nibble, 1), the channel's index (bits 1-2), whether a group is bound (bit 0);
* ``issued`` (4 bytes, big-endian): seconds since ``EPOCH_S`` when the code was made;
* ``sharer`` (1..64 bytes): the sharer's user id, UTF-8;
* ``mac`` (8 bytes): HMAC-SHA256 over the bytes before it, the room and the group (empty when none), keyed by a
  key derived from the deployment's secret.

The room and the group are signed but not carried: the link that holds the code names them
(``/room/<room>?share=<code>&group=<group>``), so a code moved to another room or group fails verification,
like any byte changed in it. A sharer id of 2-8 characters gives a code of 20-31 characters.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

CHANNELS: tuple[str, ...] = ("wechat", "qq", "link", "poster")
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
EPOCH_S = 1_700_000_000  # issued-at is counted from here (4 bytes of seconds last past the year 2150)
MAC_BYTES = 8
MAX_SHARER = 64
MAX_CODE = 120  # characters: longer input is refused before any decoding
_VERSION = 1
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


class BadCode(ValueError):
    """A code that is malformed, altered, or signed for another room or group."""


@dataclass(frozen=True, slots=True)
class ShareCode:
    sharer: str
    channel: str
    room: str
    group: str | None
    issued_ms: int  # to the second (the code carries seconds)


def code_key(secret: str) -> bytes:
    """The signing key of share codes, derived from the deployment's secret (never the secret itself)."""
    return hmac.new(secret.encode(), b"livecore share codes v1", hashlib.sha256).digest()


def b62encode(data: bytes) -> str:
    if not data or data[0] == 0:
        raise ValueError("base62 here encodes byte strings that start with a non-zero byte")
    n = int.from_bytes(data, "big")
    out: list[str] = []
    while n:
        n, r = divmod(n, 62)
        out.append(ALPHABET[r])
    return "".join(reversed(out))


def b62decode(text: str) -> bytes:
    n = 0
    for ch in text:
        i = _INDEX.get(ch)
        if i is None:
            raise BadCode("not a share code")
        n = n * 62 + i
    if n == 0:
        raise BadCode("not a share code")
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


def _mac(key: bytes, body: bytes, room: str, group: str | None) -> bytes:
    msg = body + b"\x00" + room.encode() + b"\x00" + (group or "").encode()
    return hmac.new(key, msg, hashlib.sha256).digest()[:MAC_BYTES]


def encode(key: bytes, *, sharer: str, channel: str, room: str, issued_ms: int, group: str | None = None) -> str:
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
    raw = sharer.encode()
    if not 1 <= len(raw) <= MAX_SHARER:
        raise ValueError("the sharer id must be 1..64 bytes")
    issued = issued_ms // 1000 - EPOCH_S
    if not 0 <= issued < 2**32:
        raise ValueError("issued-at out of range")
    head = (_VERSION << 4) | (CHANNELS.index(channel) << 1) | (1 if group else 0)
    body = bytes([head]) + issued.to_bytes(4, "big") + raw
    return b62encode(body + _mac(key, body, room, group))


def verify(key: bytes, code: str, *, room: str, group: str | None = None) -> ShareCode:
    """The code's contents when it was signed by ``key`` for ``room`` (and ``group``); raises ``BadCode``."""
    if not code or len(code) > MAX_CODE:
        raise BadCode("not a share code")
    data = b62decode(code)
    if len(data) < 1 + 4 + 1 + MAC_BYTES:
        raise BadCode("not a share code")
    head = data[0]
    if head >> 4 != _VERSION or head & 0b1000:
        raise BadCode("unknown share code version")
    body, mac = data[:-MAC_BYTES], data[-MAC_BYTES:]
    bound = bool(head & 1)
    if bound != bool(group):
        raise BadCode("this code was made for a group" if bound else "this code names no group")
    if not hmac.compare_digest(mac, _mac(key, body, room, group)):
        raise BadCode("this share code is not valid here")
    try:
        sharer = body[5:].decode()
    except UnicodeDecodeError as exc:  # cannot happen with a valid MAC; kept for safety
        raise BadCode("not a share code") from exc
    issued_ms = (int.from_bytes(body[1:5], "big") + EPOCH_S) * 1000
    return ShareCode(sharer=sharer, channel=CHANNELS[(head >> 1) & 0b11], room=room, group=group or None,
                     issued_ms=issued_ms)
