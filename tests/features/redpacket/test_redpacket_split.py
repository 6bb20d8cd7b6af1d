"""The double-mean split (二倍均值) from a seed: property tests, and the verifier on tampered records."""

from hypothesis import given, settings
from hypothesis import strategies as st

from livecore.features.redpacket import split as sp
from livecore.features.redpacket.phrase import normalise

seeds = st.binary(min_size=32, max_size=32).map(bytes.hex)


@st.composite
def totals_and_counts(draw: st.DrawFn) -> tuple[int, int]:
    total = draw(st.integers(min_value=1, max_value=sp.MAX_TOTAL))
    count = draw(st.integers(min_value=1, max_value=min(total, 2000)))
    return total, count


@settings(max_examples=300, deadline=None)
@given(seeds, totals_and_counts())
def test_every_packet_holds_a_cent_and_the_sum_is_exact(seed: str, tc: tuple[int, int]) -> None:
    total, count = tc
    amounts = sp.split(seed, total, count)
    assert len(amounts) == count
    assert min(amounts) >= 1
    assert sum(amounts) == total


@settings(max_examples=100, deadline=None)
@given(seeds, totals_and_counts())
def test_the_same_seed_always_gives_the_same_split(seed: str, tc: tuple[int, int]) -> None:
    assert sp.split(seed, *tc) == sp.split(seed, *tc)
    assert sp.verify(sp.Record(sp.seed_hash(seed), seed, tc[0], tc[1], sp.split(seed, *tc))).ok


@settings(max_examples=100, deadline=None)
@given(seeds, st.integers(min_value=1, max_value=500))
def test_count_equal_to_total_gives_one_cent_each(seed: str, n: int) -> None:
    assert sp.split(seed, n, n) == [1] * n


def test_no_packet_exceeds_twice_the_mean_left_and_seeds_differ() -> None:
    a, b = sp.new_seed(), sp.new_seed()
    first, second = sp.split(a, 100_000, 1000), sp.split(b, 100_000, 1000)
    assert first != second
    left = 100_000
    for n, amount in zip(range(1000, 1, -1), first, strict=False):
        assert amount <= 2 * left // n
        left -= amount
    assert 50 < sum(first[:-1]) / 999 < 150  # the mean stays near total / count


def test_the_split_is_fixed_by_the_specification() -> None:
    # a published vector: an implementation of docs/features/redpacket.md must give exactly this
    assert sp.split("00" * 32, 1000, 5) == [13, 60, 379, 531, 17]
    assert sp.split("ab" * 32, 20, 7) == [2, 4, 2, 1, 2, 2, 7]


def test_the_verifier_fails_on_a_tampered_seed_or_amount() -> None:
    seed = sp.new_seed()
    amounts = sp.split(seed, 10_000, 50)
    grabs = [(i, amounts[i]) for i in range(0, 50, 2)]
    leftover = sum(amounts[i] for i in range(1, 50, 2))
    good = sp.Record(sp.seed_hash(seed), seed, 10_000, 50, amounts, grabs, leftover)
    assert sp.verify(good).ok, sp.verify(good).problems
    other = sp.new_seed()
    assert not sp.verify(sp.Record(sp.seed_hash(seed), other, 10_000, 50, amounts, grabs, leftover)).ok
    # a seed that matches its hash but was not the one of the split
    assert not sp.verify(sp.Record(sp.seed_hash(other), other, 10_000, 50, amounts, grabs, leftover)).ok
    bumped = list(amounts)
    bumped[3] += 1
    bumped[4] -= 1
    assert not sp.verify(sp.Record(sp.seed_hash(seed), seed, 10_000, 50, bumped, grabs, leftover)).ok
    credited = [(i, a + 1) if i == 2 else (i, a) for i, a in grabs]
    assert not sp.verify(sp.Record(sp.seed_hash(seed), seed, 10_000, 50, amounts, credited, leftover)).ok
    twice = [*grabs, grabs[0]]
    assert not sp.verify(sp.Record(sp.seed_hash(seed), seed, 10_000, 50, amounts, twice, leftover)).ok
    assert not sp.verify(sp.Record(sp.seed_hash(seed), seed, 10_000, 50, amounts, grabs, leftover + 1)).ok


def test_phrases_are_compared_after_nfkc_casefold_and_without_spaces() -> None:
    assert normalise("Ｈａｐｐｙ　８ ８") == normalise("happy88") == "happy88"
    assert normalise(" 新年 快乐 ") == "新年快乐"
    assert normalise("ABC") != normalise("ABD")
