"""The red-packet split (二倍均值, double mean) from a seed, and its verification (pure, no I/O).

Specified in ``docs/features/redpacket.md``; the service and the verifier call these very functions.

* ``seed``: 64 lowercase hex characters (32 random bytes), secret until the packet ends;
  ``seed_hash = SHA-256(seed as ASCII)``, hex, published at launch.
* The random stream: block ``i`` (``i = 0, 1, ...``) is ``HMAC-SHA256(key = seed as ASCII,
  msg = "redpacket:" + str(i) as ASCII)``; the stream is the blocks concatenated, read 8 bytes at a time as
  big-endian unsigned integers ``u``.
* A uniform integer in ``[lo, hi]`` (``span = hi - lo + 1``): take the next ``u``; reject it while
  ``u >= 2^64 - (2^64 mod span)`` (no modulo bias); the value is ``lo + u mod span``. A span of 1 reads nothing.
* Split of ``total`` cents into ``count`` packets (``1 <= count <= total``): with ``left`` cents and ``n``
  packets still to make, every packet but the last is uniform in ``[1, max(1, min(2*left // n - 1,
  left - (n - 1)))]`` (at most twice the mean left, and always leaving 1 cent for each packet after it);
  the last packet is what is left. So every packet is >= 1 cent and the amounts sum to ``total`` exactly.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

_SEED = re.compile(r"^[0-9a-f]{64}$")
_U64 = 1 << 64
MAX_PACKETS = 10_000
MAX_TOTAL = 100_000_000  # cents of one rain (one million in the main unit)


def new_seed() -> str:
    return secrets.token_hex(32)


def seed_hash(seed: str) -> str:
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def is_seed(seed: str) -> bool:
    return bool(_SEED.match(seed))


class Stream:
    """The seed's stream of 64-bit integers and the uniform draws made from it."""

    def __init__(self, seed: str) -> None:
        self._key = seed.encode("ascii")
        self._words = self._generate()

    def _generate(self) -> Iterator[int]:
        block = 0
        while True:
            digest = hmac.new(self._key, f"redpacket:{block}".encode("ascii"), hashlib.sha256).digest()
            for i in range(0, 32, 8):
                yield int.from_bytes(digest[i:i + 8], "big")
            block += 1

    def uniform(self, lo: int, hi: int) -> int:
        span = hi - lo + 1
        if span <= 1:
            return lo
        limit = _U64 - (_U64 % span)
        while True:
            u = next(self._words)
            if u < limit:
                return lo + u % span


def split(seed: str, total: int, count: int) -> list[int]:
    """The ``count`` amounts (cents) of a ``total`` split from ``seed``, in the order they are handed out."""
    if not 1 <= count <= total:
        raise ValueError("need 1 <= count <= total")
    stream = Stream(seed)
    out: list[int] = []
    left = total
    for n in range(count, 1, -1):
        hi = max(1, min(2 * left // n - 1, left - (n - 1)))
        amount = stream.uniform(1, hi)
        out.append(amount)
        left -= amount
    out.append(left)
    return out


def problems_of_spec(total: int, count: int) -> list[str]:
    out = []
    if not 1 <= count <= MAX_PACKETS:
        out.append(f"count must be between 1 and {MAX_PACKETS}")
    if not 1 <= total <= MAX_TOTAL:
        out.append(f"total must be between 1 and {MAX_TOTAL} cents")
    if count > total:
        out.append("count must not exceed total: every packet holds at least 1 cent")
    return out


@dataclass(frozen=True, slots=True)
class Record:
    """What is published about an ended packet: enough to recompute every amount."""

    seed_hash: str
    seed: str
    total: int
    count: int
    amounts: Sequence[int]  # the split as recorded at launch
    grabbed: Sequence[tuple[int, int]] = ()  # (packet index, amount credited) of every grab
    leftover: int | None = None  # what went back to the host (None: not recorded yet)


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    recomputed: list[int]
    problems: list[str]


def verify(record: Record) -> Verdict:
    """Recompute the split and check every recorded amount; every disagreement is a problem."""
    problems: list[str] = []
    if not is_seed(record.seed):
        problems.append("the seed is not 64 lowercase hex characters")
    if not record.seed.isascii() or seed_hash(record.seed) != record.seed_hash:
        problems.append("SHA-256 of the revealed seed differs from the seed hash published at launch")
    recomputed: list[int] = []
    try:
        recomputed = split(record.seed, record.total, record.count) if record.seed.isascii() else []
    except ValueError as exc:
        problems.append(str(exc))
    if list(record.amounts) != recomputed:
        wrong = [i for i, (a, b) in enumerate(zip(record.amounts, recomputed, strict=False)) if a != b]
        if len(record.amounts) != len(recomputed):
            problems.append(f"{len(record.amounts)} amounts recorded, {len(recomputed)} recomputed")
        if wrong:
            problems.append(f"recorded amounts differ from the recomputed split at packets {wrong[:10]}")
    seen: set[int] = set()
    for index, amount in record.grabbed:
        if index in seen:
            problems.append(f"packet {index} was credited twice")
        seen.add(index)
        if not 0 <= index < len(recomputed) or recomputed[index] != amount:
            problems.append(f"packet {index} was credited {amount} cents, the split says "
                            f"{recomputed[index] if 0 <= index < len(recomputed) else 'no such packet'}")
    if record.leftover is not None:
        given = sum(a for _, a in record.grabbed)
        if given + record.leftover != record.total:
            problems.append(f"given {given} + leftover {record.leftover} != total {record.total}")
        expected_left = sum(recomputed) - sum(recomputed[i] for i in seen if 0 <= i < len(recomputed))
        if recomputed and expected_left != record.leftover:
            problems.append(f"the leftover should be {expected_left} cents (the packets nobody grabbed)")
    return Verdict(ok=not problems, recomputed=recomputed, problems=problems)
