"""The live session id held in a room's state field ``session`` (pure).

The API writes it when the host goes live (a JSON string; an object with ``id`` is read too) and leaves it in
place when the session ends, so interactions after the end still belong to the session that just ended.
Producers (gateways, the purchase and payment scripts) stamp it on every interaction, so the ranking worker
credits each one to the session it happened in, however late it processes it.
"""

from __future__ import annotations

import msgspec

_json = msgspec.json.Decoder()


def session_id(state_value: bytes | str | None) -> str:
    """The session id in a ``session`` state value; ``""`` when there is none or it cannot be read."""
    if state_value is None:
        return ""
    try:
        value = _json.decode(state_value)
    except msgspec.DecodeError:
        return ""
    return session_from(value)


def session_from(value: object) -> str:
    """The same for a value already decoded from JSON (a join snapshot's ``state["session"]``)."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value)
