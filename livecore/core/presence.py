"""Presence counts across gateway processes (pure).

Each gateway writes ``<count>:<expires_ms>`` under its node id in a room's presence hash; online is the sum of
the fields that have not expired, so a dead gateway stops counting without any coordination.
"""

from __future__ import annotations

from typing import Any


def parse_field(value: bytes | str) -> tuple[int, int]:
    """``count:expires_ms`` -> (count, expires_ms); garbage counts as expired."""
    text = value.decode() if isinstance(value, bytes) else value
    count, _, expires = text.partition(":")
    try:
        return int(count), int(expires or 0)
    except ValueError:
        return 0, 0


def online_from(fields: dict[Any, Any], now_ms: int) -> tuple[int, list[Any]]:
    """Sum of live counts, and the fields that expired (to prune)."""
    total, stale = 0, []
    for node, value in fields.items():
        count, expires = parse_field(value)
        if expires > now_ms:
            total += count
        else:
            stale.append(node)
    return total, stale
