"""Typed views of Redis replies.

redis-py types a reply as a union (``bytes | str``, often ``| None``, lists of either) because a client may be
built with ``decode_responses=True``. livecore's clients never decode (``runtime.redis_client``), so a reply
is bytes, lists and dicts of bytes, or ``None`` where Redis says nil. The functions here narrow a reply once,
where it is read, instead of casting at every use; the stream helpers only cast (no copy), so they cost
nothing on hot paths.
"""

from __future__ import annotations

from typing import Any, cast

Fields = dict[bytes, bytes]
Entry = tuple[bytes, Fields]
"""One stream entry: its id and its fields."""


def text(value: bytes | str | int | float) -> str:
    """A reply value (or an already-decoded one) as ``str``."""
    return value.decode() if isinstance(value, bytes) else str(value)


def text_or_none(value: bytes | str | int | float | None) -> str | None:
    return None if value is None else text(value)


def number(value: bytes | str | int | float | None, default: int = 0) -> int:
    """An integer reply or an integer stored as a string; ``default`` for nil."""
    return default if value is None else int(value)


def entries(reply: Any) -> list[Entry]:
    """The reply of ``XRANGE``/``XREVRANGE``/``XCLAIM``: entries in order (nil becomes empty)."""
    return cast("list[Entry]", reply or [])


def streams(reply: Any) -> list[tuple[bytes, list[Entry]]]:
    """The reply of ``XREAD``/``XREADGROUP`` in RESP2 form: ``[(stream, entries), ...]`` (nil: empty)."""
    return cast("list[tuple[bytes, list[Entry]]]", reply or [])


def fields(reply: Any) -> Fields:
    """The reply of ``HGETALL`` (or a stream entry's fields): empty when the key does not exist."""
    return cast(Fields, reply or {})


def members(reply: Any) -> list[bytes]:
    """The reply of ``ZRANGE``/``ZRANGEBYSCORE`` without scores or ``SRANDMEMBER`` with a count: the members."""
    return cast("list[bytes]", reply or [])


def scored(reply: Any) -> list[tuple[bytes, float]]:
    """The reply of ``ZRANGE``/``ZREVRANGE`` ``WITHSCORES``: ``(member, score)`` pairs in order."""
    return cast("list[tuple[bytes, float]]", reply or [])
