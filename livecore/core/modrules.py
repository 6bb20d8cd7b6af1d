"""The checks of a host's moderation request, shared by the API and the gateway (pure).

Both faces of the moderation store (``POST /api/rooms/{room}/mute|pin`` and the host's ``mute``/``pin``
frames) call these, so a frame cannot do what the HTTP API refuses. Each returns the refusal's message, or
None when the request is fine; the caller answers ``invalid`` (HTTP 400) with it.
"""

from __future__ import annotations

from .textnorm import clean_display

MAX_MUTE_S = 30 * 86400
MAX_ID_CHARS = 64
MAX_PIN_CHARS = 200


def mute_problem(user: str, seconds: int) -> str | None:
    if not user or len(user) > MAX_ID_CHARS:
        return f"user must be 1..{MAX_ID_CHARS} characters"
    if not 1 <= seconds <= MAX_MUTE_S:
        return f"seconds must be 1..{MAX_MUTE_S}"
    return None


def user_problem(user: str) -> str | None:
    if not user or len(user) > MAX_ID_CHARS:
        return f"user must be 1..{MAX_ID_CHARS} characters"
    return None


def pin_problem(msg: str | None, text: str | None) -> str | None:
    if msg is not None and len(msg) > MAX_ID_CHARS:
        return f"message id longer than {MAX_ID_CHARS} characters"
    if text is not None and len(text) > MAX_PIN_CHARS:
        return f"pinned text longer than {MAX_PIN_CHARS} characters"
    return None


def pin_text(text: str | None) -> str | None:
    """The text as pinned: no bidi overrides or control characters (it reaches every screen)."""
    return None if text is None else clean_display(text)
