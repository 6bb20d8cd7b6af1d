"""Sensitive-word masking with an Aho-Corasick automaton (pyahocorasick).

One automaton finds every listed word in one pass over the text however long the list is. Matching is
case-insensitive; every character of a match is replaced with ``*`` (overlapping matches too). A room's
filter is the deployment list plus the room's own list, combined by applying both.
"""

from __future__ import annotations

from collections.abc import Iterable

import ahocorasick

MASK = "*"


class WordFilter:
    def __init__(self, words: Iterable[str] = ()) -> None:
        cleaned = sorted({fold(w.strip()) for w in words if w and w.strip()})
        self.words: tuple[str, ...] = tuple(cleaned)
        self._automaton: ahocorasick.Automaton | None = None
        if cleaned:
            automaton = ahocorasick.Automaton()
            for word in cleaned:
                automaton.add_word(word, len(word))
            automaton.make_automaton()
            self._automaton = automaton

    def __bool__(self) -> bool:
        return self._automaton is not None

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Start/end (exclusive) of every match in ``text``."""
        if self._automaton is None or not text:
            return []
        folded = fold(text)
        return [(end - length + 1, end + 1) for end, length in self._automaton.iter(folded)]

    def mask(self, text: str) -> str:
        spans = self.spans(text)
        if not spans:
            return text
        chars = list(text)
        for start, end in spans:
            for i in range(start, end):
                chars[i] = MASK
        return "".join(chars)


def fold(text: str) -> str:
    """Lower case, keeping one character per character so match positions map back onto ``text``."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def mask_all(text: str, *filters: WordFilter) -> str:
    for f in filters:
        if f:
            text = f.mask(text)
    return text


def load_words(text: str) -> list[str]:
    """Words from a file's text: one a line, blank lines and ``#`` comments ignored."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
