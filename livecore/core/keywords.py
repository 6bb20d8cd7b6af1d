"""Barrage keywords over a sliding window (pure given the texts).

Barrage is short, repetitive and full of fillers (哈哈哈, 666, 主播, 的/了/啊), so plain term frequency after a
barrage stop-word list says more than TF-IDF trained on news: "口红", "链接", "发货" rising is what the host
wants to see. Words are cut by jieba (its own ``Tokenizer`` instance, not the library's global one); one-character
tokens and tokens of one repeated character are dropped by rule. Tokenisation results are cached per text
because barrage repeats itself a lot.
"""

from __future__ import annotations

import logging
import re
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import jieba

TOP_N = 30
_NOISE = re.compile(r"^(?:2333*|h{2,}|(.)\1+)$", re.IGNORECASE)


def load_stopwords() -> frozenset[str]:
    text = resources.files("livecore").joinpath("data/stopwords.txt").read_text(encoding="utf-8")
    words = (line.strip() for line in text.splitlines())
    return frozenset(w.lower() for w in words if w and not w.startswith("#"))


@dataclass(frozen=True, slots=True)
class Keyword:
    word: str
    count: int
    weight: float  # count relative to the top word (1.0 for the top word)

    def as_dict(self) -> dict[str, object]:
        return {"word": self.word, "count": self.count, "weight": self.weight}


def in_window(entries: Iterable[tuple[int, str]], now_ms: int, window_s: float) -> list[str]:
    """Texts of ``(ts_ms, text)`` entries no older than ``window_s`` at ``now_ms``."""
    since = now_ms - int(window_s * 1000)
    return [text for ts, text in entries if since <= ts <= now_ms]


class KeywordExtractor:
    def __init__(self, stopwords: frozenset[str] | None = None, cache_size: int = 20_000) -> None:
        self.stopwords = load_stopwords() if stopwords is None else stopwords
        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._cache: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._cache_size = cache_size

    def warm(self) -> None:
        """Load jieba's dictionary now (about a second) rather than on the first barrage."""
        self._tokenizer.initialize()

    def words(self, text: str) -> tuple[str, ...]:
        """The keywords of one barrage text, each at most once (one viewer repeating a word is one vote)."""
        hit = self._cache.get(text)
        if hit is not None:
            self._cache.move_to_end(text)
            return hit
        seen: dict[str, None] = {}
        for token in self._tokenizer.lcut(text):
            word = token.strip()
            if self._keep(word):
                seen.setdefault(word.lower() if word.isascii() else word, None)
        result = tuple(seen)
        self._cache[text] = result
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return result

    def _keep(self, word: str) -> bool:
        if len(word) < 2 or word.lower() in self.stopwords:
            return False
        if not any(ch.isalnum() for ch in word):
            return False
        return _NOISE.match(word) is None

    def top(self, texts: Iterable[str], n: int = TOP_N) -> list[Keyword]:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(self.words(text))
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
        if not ranked:
            return []
        best = ranked[0][1]
        return [Keyword(word, count, round(count / best, 4)) for word, count in ranked]
