"""Password red packets' phrases (口令): the one normalisation both the host's phrase and a chat go through."""

from __future__ import annotations

import unicodedata

MAX_PHRASE = 30


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII), case folded, every whitespace character removed."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def phrase_problem(phrase: str) -> str | None:
    norm = normalise(phrase)
    if not norm:
        return "a password packet needs a phrase"
    if len(norm) > MAX_PHRASE:
        return f"the phrase may have at most {MAX_PHRASE} characters"
    return None
