"""Room affinity (rendezvous hashing): disjoint shares that cover every room, minimal movement on change."""

from __future__ import annotations

import pytest

from livecore.ranking import affinity

ROOMS = [f"room{i}" for i in range(1000)]


def test_shares_are_disjoint_and_cover_every_room() -> None:
    members = ["w-a", "w-b", "w-c"]
    shares = {m: affinity.share(ROOMS, members, m) for m in members}
    assert sorted(r for s in shares.values() for r in s) == sorted(ROOMS)
    for m, s in shares.items():
        assert 250 < len(s) < 420, (m, len(s))  # about a third each
    assert affinity.owners(ROOMS, members) == {r: m for m, s in shares.items() for r in s}


def test_the_answer_does_not_depend_on_member_order_or_process() -> None:
    assert affinity.owners(ROOMS, ["x", "y"]) == affinity.owners(ROOMS, ["y", "x", "y"])
    # BLAKE2b, not the per-process salted hash(): a fixed value
    assert affinity.weight("w-a", "room1") == affinity.weight("w-a", "room1")
    assert affinity.owner("room1", ["w-a"]) == "w-a"


def test_a_joining_consumer_takes_rooms_only_from_the_others_and_a_leaving_one_gives_only_its_own() -> None:
    before = affinity.owners(ROOMS, ["a", "b"])
    after = affinity.owners(ROOMS, ["a", "b", "c"])
    moved = [r for r in ROOMS if before[r] != after[r]]
    assert moved and all(after[r] == "c" for r in moved)
    assert 250 < len(moved) < 420
    back = affinity.owners(ROOMS, ["a", "b"])
    assert back == before  # c leaving gives exactly its rooms back
    only_a = affinity.owners(ROOMS, ["a"])
    assert all(only_a[r] == "a" for r in ROOMS)


def test_a_consumer_not_yet_in_the_list_counts_itself_live() -> None:
    assert affinity.share(ROOMS, [], "solo") == ROOMS
    with_b = affinity.share(ROOMS, ["b"], "a")
    assert with_b == affinity.share(ROOMS, ["a", "b"], "a")
    with pytest.raises(ValueError):
        affinity.owner("room1", [])
