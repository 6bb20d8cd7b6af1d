import hashlib

import pytest

from livecore.core.draw import (
    DrawRecord,
    draw,
    entries_digest,
    new_seed,
    seed_hash,
    sorted_entries,
    verify,
)

SEED = "00" * 31 + "2a"
USERS = [f"u{i}" for i in range(50)]


def test_seed_hash_is_sha256_of_the_hex_text() -> None:
    seed = new_seed()
    assert len(seed) == 64 and seed == seed.lower()
    assert seed_hash(seed) == hashlib.sha256(seed.encode()).hexdigest()
    assert new_seed() != seed


def test_draw_follows_the_documented_algorithm() -> None:
    entries = sorted_entries(USERS)
    digest = entries_digest(entries)
    remaining = list(entries)
    expected = []
    for i in range(3):
        h = int(hashlib.sha256(f"{SEED}:{digest}:{i}".encode()).hexdigest(), 16)
        expected.append(remaining.pop(h % len(remaining)))
    assert draw(SEED, USERS, 3) == expected


def test_draw_is_independent_of_entry_order_and_duplicates() -> None:
    winners = draw(SEED, USERS, 5)
    assert len(set(winners)) == 5 and set(winners) <= set(USERS)
    assert draw(SEED, list(reversed(USERS)) + USERS[:10], 5) == winners


def test_draw_with_fewer_entries_than_prizes_gives_everyone_a_prize() -> None:
    assert sorted(draw(SEED, ["b", "a"], 5)) == ["a", "b"]
    assert draw(SEED, [], 3) == []


def test_sorting_is_by_utf8_bytes() -> None:
    assert sorted_entries(["b", "B", "用户", "a", "a"]) == ["B", "a", "b", "用户"]


def test_different_seed_or_entries_change_the_outcome() -> None:
    winners = draw(SEED, USERS, 5)
    assert draw(new_seed(), USERS, 5) != winners
    tampered = [u if u != "u7" else "u7x" for u in USERS]
    assert draw(SEED, tampered, 5) != winners


def test_bad_seed_is_refused() -> None:
    with pytest.raises(ValueError):
        draw("XYZ", USERS, 1)


def _record(**changes: object) -> DrawRecord:
    entries = sorted_entries(USERS)
    base = dict(seed_hash=seed_hash(SEED), seed=SEED, winners_count=3, entries=entries,
                winners=draw(SEED, entries, 3), entries_digest=entries_digest(entries))
    base.update(changes)
    return DrawRecord(**base)  # type: ignore[arg-type]


def test_verify_accepts_an_honest_record() -> None:
    verdict = verify(_record())
    assert verdict.ok and verdict.problems == []
    assert verdict.recomputed == _record().winners


def test_verify_catches_each_kind_of_tampering() -> None:
    other_seed = "11" * 32
    assert not verify(_record(seed=other_seed)).ok
    assert "seed hash" in verify(_record(seed=other_seed)).problems[0]
    assert not verify(_record(seed="nope")).ok
    changed = [u if u != "u3" else "u3x" for u in USERS]
    assert any("digest" in p for p in verify(_record(entries=changed)).problems)
    assert not verify(_record(entries=[*USERS, "u1"])).ok
    assert not verify(_record(winners=["u1", "u2", "u3"])).ok
    assert not verify(_record(winners_count=4)).ok
    # the digest alone cannot be forged consistently: recomputed winners change with the entries
    added = sorted_entries([*USERS, "zz"])
    assert not verify(_record(entries=added, entries_digest=entries_digest(added))).ok
