"""Sensitive-word masking with an Aho-Corasick automaton (pyahocorasick) over a normalised copy of the text.

One automaton finds every listed word in one pass over the text however long the list is. Words and texts
are compared in their matching form (``textnorm.normalise``: NFKC, case folded, traditional Chinese folded
to simplified, and zero-width and other format characters, spaces, punctuation and symbols skipped), so
``微 信``, ``w.e.c.h.a.t``, full-width letters or a zero-width space between the letters find the word too. A
match maps back onto the original text, where every character from its first to its last is replaced with
``*`` (overlapping matches too, and whatever was put between the letters). A room's filter is the deployment
list plus the room's own list, combined by applying both.
"""

from __future__ import annotations

from collections.abc import Iterable

import ahocorasick

from .textnorm import matching_form, normalise

MASK = "*"


class WordFilter:
    def __init__(self, words: Iterable[str] = ()) -> None:
        cleaned = sorted({form for w in words if w and (form := matching_form(w))})
        self.words: tuple[str, ...] = tuple(cleaned)  # in their matching form
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
        """Start/end (exclusive) in ``text`` of every match, from its first character to its last."""
        if self._automaton is None or not text:
            return []
        form, origin = normalise(text)
        return [(origin[end - length + 1], origin[end] + 1) for end, length in self._automaton.iter(form)]

    def mask(self, text: str) -> str:
        spans = self.spans(text)
        if not spans:
            return text
        chars = list(text)
        for start, end in spans:
            for i in range(start, end):
                chars[i] = MASK
        return "".join(chars)


def mask_all(text: str, *filters: WordFilter) -> str:
    for f in filters:
        if f:
            text = f.mask(text)
    return text


def load_words(text: str) -> list[str]:
    """Words from a file's text: one a line, blank lines and ``#`` comments ignored."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
