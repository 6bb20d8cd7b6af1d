"""Room affinity: which live ranking consumer aggregates which room (pure, no I/O).

Every consumer of the group could read every room's stream, but then each busy room's entries are split
between the consumers and every ``ranking_apply`` call carries half a batch: twice the Redis calls per event,
which is what made two workers slower than one. Instead each room belongs to exactly one live consumer,
chosen by rendezvous (highest-random-weight) hashing of ``(consumer, room)``:

- every consumer computes the same owner from the same member list, with no coordination beyond the list;
- when a consumer joins, it takes about ``1/n`` of the rooms and only those move; when one leaves, only its
  rooms move, spread over the survivors (no global reshuffle, so warm per-room caches mostly stay put).

The hash is BLAKE2b, not ``hash()``, which is salted per process and would give each process its own answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence


def weight(consumer: str, room: str) -> int:
    """The rendezvous weight of ``room`` on ``consumer``: a stable 64-bit number."""
    digest = hashlib.blake2b(f"{consumer}\x00{room}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def owner(room: str, consumers: Sequence[str]) -> str:
    """The consumer that aggregates ``room`` (ties, which need a 64-bit collision, go to the smaller name)."""
    if not consumers:
        raise ValueError("no live consumer")
    return max(consumers, key=lambda c: (weight(c, room), c))


def owners(rooms: Iterable[str], consumers: Sequence[str]) -> dict[str, str]:
    """Room -> owning consumer, for every room."""
    members = sorted(set(consumers))
    return {room: owner(room, members) for room in rooms}


def share(rooms: Iterable[str], consumers: Sequence[str], me: str) -> list[str]:
    """The rooms ``me`` aggregates, in the order given. ``me`` always counts as live: a consumer that has not
    seen itself in the member list yet (first heartbeat, or a test stepping it by hand) still owns its part."""
    members = sorted(set(consumers) | {me})
    return [room for room in rooms if owner(room, members) == me]
