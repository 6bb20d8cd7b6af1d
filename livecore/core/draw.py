"""The verifiable lottery draw (pure): commit to a secret seed, derive winners from it, let anyone check.

The algorithm is specified in ``docs/lottery.md``; this module is its reference implementation and the
verifier uses the very same functions, so what is published is what is checked.

* ``seed``: 64 lowercase hex characters (32 random bytes), secret until the draw.
* ``seed_hash = SHA-256(seed as ASCII)``, hex; announced when the lottery opens.
* ``entries``: the distinct user ids that entered, sorted by their UTF-8 bytes.
* ``entries_digest = SHA-256("\\n".join(entries) as UTF-8)``, hex; announced with the winners.
* for ``i`` in ``0 .. min(k, n) - 1``: ``h = SHA-256("<seed>:<entries_digest>:<i>" as ASCII)`` read as a
  big-endian integer; the winner is ``remaining.pop(h mod len(remaining))`` where ``remaining`` starts as
  the sorted entries. Winners are listed in draw order.

Mixing the digest into every step makes each winner depend on the whole entry list, so a changed entry
changes the outcome as well as the digest.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_SEED = re.compile(r"^[0-9a-f]{64}$")


def new_seed() -> str:
    return secrets.token_hex(32)


def seed_hash(seed: str) -> str:
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def is_seed(seed: str) -> bool:
    return bool(_SEED.match(seed))


def sorted_entries(entries: Iterable[str]) -> list[str]:
    """Distinct entries in UTF-8 byte order (for ``str`` this equals code point order)."""
    return sorted(set(entries), key=lambda e: e.encode("utf-8"))


def entries_digest(entries: Sequence[str]) -> str:
    """Digest of an already sorted entry list."""
    return hashlib.sha256("\n".join(entries).encode("utf-8")).hexdigest()


def draw(seed: str, entries: Iterable[str], k: int) -> list[str]:
    """The winners, in draw order, of ``k`` prizes among ``entries`` (deduplicated and sorted here)."""
    if not is_seed(seed):
        raise ValueError("the seed must be 64 lowercase hex characters")
    remaining = sorted_entries(entries)
    digest = entries_digest(remaining)
    winners: list[str] = []
    for i in range(min(k, len(remaining))):
        h = int.from_bytes(hashlib.sha256(f"{seed}:{digest}:{i}".encode("ascii")).digest(), "big")
        winners.append(remaining.pop(h % len(remaining)))
    return winners


@dataclass(frozen=True, slots=True)
class DrawRecord:
    """What was published about one draw (or is claimed to have been)."""

    seed_hash: str
    seed: str
    winners_count: int  # k, the number of prizes
    entries: list[str]  # as recorded, in any order
    winners: list[str]  # as announced, in draw order
    entries_digest: str = ""  # as announced; "" when not known


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    recomputed: list[str]
    digest: str
    problems: list[str] = field(default_factory=list)


def verify(record: DrawRecord) -> Verdict:
    """Recompute the draw from the record and list every disagreement."""
    problems: list[str] = []
    if not is_seed(record.seed):
        problems.append("the revealed seed is not 64 lowercase hex characters")
        return Verdict(False, [], "", problems)
    if seed_hash(record.seed) != record.seed_hash:
        problems.append("SHA-256 of the revealed seed differs from the seed hash announced at opening")
    entries = sorted_entries(record.entries)
    if len(entries) != len(record.entries):
        problems.append("the entry list contains duplicates")
    digest = entries_digest(entries)
    if record.entries_digest and digest != record.entries_digest:
        problems.append("the entry list does not match the entries digest announced with the winners")
    recomputed = draw(record.seed, entries, record.winners_count)
    if recomputed != list(record.winners):
        problems.append("the recomputed winners differ from the announced winners")
    return Verdict(not problems, recomputed, digest, problems)
