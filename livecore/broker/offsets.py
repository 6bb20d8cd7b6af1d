"""Stream offsets (Redis entry ids ``<ms>-<seq>``) compared as numbers (pure)."""

from __future__ import annotations


def parse(offset: str) -> tuple[int, int]:
    ms, _, seq = offset.partition("-")
    return int(ms), int(seq or 0)


def is_valid(offset: str) -> bool:
    try:
        parse(offset)
    except ValueError:
        return False
    return True


def before(a: str, b: str) -> bool:
    return parse(a) < parse(b)
