"""Which live session an interaction belongs to (pure).

The API writes the room state field ``session`` when the host goes live (a JSON string; an object with ``id``
is read too) and ``live`` (``true``/``false``). The session id stays in the state after the end, so pages can
still name the session that just ended, but an interaction belongs to a session only while the room is live:
what happens while the room is offline (chat, gifts, purchases, payments) belongs to no session
(``OUTSIDE``), and an ended session's figures never change.

Producers (gateways, the purchase and payment scripts) stamp every interaction with ``stamp(...)`` from the
room state they see, so the ranking worker credits each one to the session it happened in, however late it
processes it. ``""`` means "unknown" (a producer that has not seen the room's state yet): the worker then
stamps it from the state it reads itself.
"""

from __future__ import annotations

import msgspec

OUTSIDE = "-"  # the pseudo-session of interactions while the room is not live (ranking keys rk:s:-, ...)

_json = msgspec.json.Decoder()


def _decode(state_value: bytes | str | None) -> object:
    if state_value is None:
        return None
    try:
        return _json.decode(state_value)
    except msgspec.DecodeError:
        return None


def session_id(state_value: bytes | str | None) -> str:
    """The session id in a ``session`` state value; ``""`` when there is none or it cannot be read."""
    return session_from(_decode(state_value))


def session_from(value: object) -> str:
    """The same for a value already decoded from JSON (a join snapshot's ``state["session"]``)."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value)


def live_of(state_value: bytes | str | None) -> bool | None:
    """The ``live`` state value: ``None`` when absent (unknown), else whether it is JSON ``true``."""
    if state_value is None:
        return None
    return _decode(state_value) is True


def stamp(session: str, live: bool | None) -> str:
    """The session to stamp on an interaction: the live session, ``OUTSIDE`` while the room is not live,
    ``""`` (unknown) when the producer does not know the room's live status or session yet."""
    if live is None:
        return ""
    if not live:
        return OUTSIDE
    return session
