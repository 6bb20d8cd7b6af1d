from livecore.core.sampler import BarrageSampler


def test_budget_per_second_is_respected_and_spread_over_slices() -> None:
    s = BarrageSampler(budget=10, slices=4)
    admitted = [ts for ts in range(0, 2000, 5) if s.admit(ts)]  # 200/s offered
    assert len(admitted) == 20
    first_second = [ts for ts in admitted if ts < 1000]
    assert len(first_second) == 10
    per_slice = [sum(1 for ts in first_second if q * 250 <= ts < (q + 1) * 250) for q in range(4)]
    assert per_slice == [2, 3, 2, 3]
    assert s.dropped == 400 - 20


def test_below_budget_everything_passes() -> None:
    s = BarrageSampler(budget=40)
    assert all(s.admit(ts) for ts in range(0, 10_000, 100))  # 10/s


def test_same_publication_order_gives_same_subset_on_every_gateway() -> None:
    import random

    rnd = random.Random(7)
    stream = sorted(rnd.randrange(0, 3000) for _ in range(500))
    stream[100:110] = reversed(stream[100:110])  # out-of-order clocks of different publishers
    a, b = BarrageSampler(40), BarrageSampler(40)
    assert [a.admit(t) for t in stream] == [b.admit(t) for t in stream]


def test_zero_budget_disables_sampling_and_history_is_bounded() -> None:
    assert all(BarrageSampler(0).admit(t) for t in range(100))
    s = BarrageSampler(4, slices=1, keep=3)
    for second in range(20):
        s.admit(second * 1000)
    assert len(s._counts) <= 5
