"""The text a word filter compares, and the text a screen may show (pure).

``normalise`` turns a text into its matching form, one original position recorded for every character it
keeps, so a match found in the matching form maps back onto the original text:

- each character is NFKC-normalised (full-width ``ｗｅｃｈａｔ`` and compatibility forms become plain letters),
- format characters (zero-width space and joiners, bidi controls, soft hyphen: category Cf), control
  characters, separators (spaces of every width), punctuation, symbols (emoji, ``★``) and combining marks
  that overlay a letter (Mn, Me) are skipped, so nothing put between the letters of a word separates them,
- letters are case-folded (``ß`` -> ``ss``), and
- traditional Chinese characters are folded to simplified ones (OpenCC's ``t2s`` conversion, character by
  character so that positions are kept: ``赌博`` also finds ``賭博``).

The fold of each character is computed once and remembered (``fold_char``), so normalising a barrage is a
dictionary look-up per character. ``clean_display`` removes what must never reach a screen: bidirectional
overrides, embeddings and isolates (which reorder the text around them) and control characters.
"""

from __future__ import annotations

import functools
import unicodedata

import opencc

# categories skipped when matching: the first letter is enough for separators, punctuation, symbols
_SKIPPED_MAJOR = frozenset("ZPS")
_SKIPPED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"})
# traditional characters are looked for in these blocks (CJK Unified Ideographs and Extension A); the
# compatibility ideographs (U+F900..) are turned into unified ones by NFKC first
_CJK_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000))

# bidirectional controls: embeddings/overrides (U+202A-U+202E), isolates (U+2066-U+2069), the marks
# (U+200E, U+200F, U+061C); none belongs in a barrage or a display name
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def normalise(text: str) -> tuple[str, list[int]]:
    """The matching form of ``text`` and, for each of its characters, the index in ``text`` it came from."""
    out: list[str] = []
    origin: list[int] = []
    for i, c in enumerate(text):
        folded = fold_char(c)
        if folded:
            out.append(folded)
            origin.extend([i] * len(folded))
    return "".join(out), origin


def matching_form(text: str) -> str:
    return "".join(fold_char(c) for c in text)


@functools.lru_cache(maxsize=1 << 16)
def fold_char(c: str) -> str:
    """What one character contributes to the matching form ('' when it is skipped)."""
    kept = []
    for n in unicodedata.normalize("NFKC", c):
        category = unicodedata.category(n)
        if category[0] in _SKIPPED_MAJOR or category in _SKIPPED:
            continue
        kept.append(n.casefold())
    return "".join(kept).translate(_traditional_to_simplified())


@functools.cache
def _traditional_to_simplified() -> dict[int, str]:
    """``str.translate`` table of every CJK character OpenCC's t2s conversion changes, built once (one call
    on all the characters of the blocks, each on its own line so that no phrase spans two of them)."""
    chars = [chr(cp) for start, end in _CJK_BLOCKS for cp in range(start, end)]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # pragma: no cover - a converter that merged lines: fold nothing
        return {}
    return {ord(a): b for a, b in zip(chars, converted, strict=True) if a != b and len(b) == 1}


def clean_display(text: str) -> str:
    """``text`` without bidi controls, control characters (newlines and tabs too) or lone surrogates."""
    if text.isprintable() and not _BIDI.intersection(text):
        return text  # the common case: nothing to remove (isprintable is False for every Cc and Cf)
    return "".join(c for c in text if c not in _BIDI and unicodedata.category(c) not in ("Cc", "Cs"))
