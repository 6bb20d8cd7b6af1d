"""What a room's host may write: titles, word lists, prices, new ids. Pure: each check answers the cleaned
value or raises ``RefusedError`` (``invalid``)."""

from __future__ import annotations

import uuid

from ..core.outcome import RefusedError
from ..protocol.codes import ErrorCode

MAX_TITLE = 80
MAX_PRODUCT_TITLE = 120
MAX_WORDS = 500
MAX_WORD = 30


def invalid(message: str) -> RefusedError:
    return RefusedError(ErrorCode.INVALID, message)


def title(text: str, limit: int = MAX_TITLE) -> str:
    text = text.strip()
    if len(text) > limit:
        raise invalid(f"title longer than {limit} characters")
    return text


def product_title(text: str) -> str:
    text = text.strip()
    if not text or len(text) > MAX_PRODUCT_TITLE:
        raise invalid(f"product title must be 1..{MAX_PRODUCT_TITLE} characters")
    return text


def words(given: list[str]) -> list[str]:
    """Trimmed, each at most ``MAX_WORD`` characters, without repeats, at most ``MAX_WORDS`` of them."""
    out: list[str] = []
    for w in given:
        w = w.strip()
        if w and w not in out:
            out.append(w[:MAX_WORD])
    if len(out) > MAX_WORDS:
        raise invalid(f"at most {MAX_WORDS} words")
    return out


def money(name: str, value: int | None) -> None:
    if value is not None and value < 0:
        raise invalid(f"{name} must be >= 0 cents")


def new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:12]
