"""Exact-duplicate suppression: the same user sending the same text again within a window is refused.

Texts are compared after trimming and folding case and inner whitespace, so "Hi  there" repeats "hi there".
"""

from __future__ import annotations

from collections import OrderedDict


def normalize(text: str) -> str:
    return " ".join(text.split()).casefold()


class DuplicateFilter:
    def __init__(self, window_s: float, max_entries: int = 200_000) -> None:
        self.window_s = window_s
        self.max_entries = max_entries
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()  # oldest first

    def is_duplicate(self, user: str, text: str, now: float) -> bool:
        """True if ``user`` sent ``text`` within the window; otherwise remembers it and returns False."""
        self._expire(now)
        key = (user, normalize(text))
        seen = self._seen.get(key)
        if seen is not None and now - seen < self.window_s:
            return True
        self._seen[key] = now
        self._seen.move_to_end(key)
        if len(self._seen) > self.max_entries:
            self._seen.popitem(last=False)
        return False

    def _expire(self, now: float) -> None:
        seen = self._seen
        while seen:
            key, stamp = next(iter(seen.items()))
            if now - stamp < self.window_s:
                break
            del seen[key]

    def __len__(self) -> int:
        return len(self._seen)
