"""Forward-decay hot scores, landmark rescaling and the anti-farming counting rules (pure, clock injected)."""

import pytest

from livecore.core import hotrank
from livecore.core.hotrank import Event, HotConfig, HotModel, KindRule

H_MS = 600_000
STEP = 32 * H_MS
T0 = STEP * 100_000  # a landmark on the grid


def ev(id: str, kind: str, room: str, user: str, ts: int, count: int = 1, value: int = 0) -> Event:
    return Event(id, kind, room, user, ts, count, value)


def cfg(**kw) -> HotConfig:  # type: ignore[no-untyped-def]
    return HotConfig(half_life_s=600.0, **kw)


def test_landmarks_sit_on_a_grid_of_half_lives() -> None:
    c = cfg()
    assert c.landmark_step_ms == STEP
    assert c.landmark(T0) == T0
    assert c.landmark(T0 + STEP - 1) == T0
    assert c.landmark(T0 + STEP) == T0 + STEP


def test_scripted_sequence_gives_exact_scores_and_order() -> None:
    m = HotModel(cfg())
    m.apply_all([
        ev("a1", "enter", "A", "u1", T0),                 # 1 * 2^0
        ev("a2", "like", "A", "u1", T0 + H_MS + 30_000, count=5),  # 0.2 * 2^1.05: u1 liking in that minute
        ev("a3", "like", "A", "u1", T0 + H_MS + 10_000),  # same liker, same minute, earlier: nothing more
        ev("a4", "chat", "A", "u2", T0 + 2 * H_MS),       # 1 * 2^2
        ev("b1", "gift", "B", "u3", T0, value=1000),      # 0.1/yuan * 10 yuan * 2^0
        ev("b2", "gift", "B", "u3", T0 + H_MS, value=2000),  # 0.1 * 20 * 2^1
        ev("b3", "share", "B", "u4", T0 + H_MS),          # 3 * 2^1
        ev("b4", "share", "B", "u4", T0 + H_MS - 50_000),  # same sharer, same hour, earlier: nothing
        ev("c1", "enter", "C", "u5", T0 + 2 * H_MS),      # 1 * 2^2
    ])
    scores = m.scores()
    assert scores["A"] == pytest.approx(1 + 0.2 * 2 ** 1.05 + 4, rel=1e-15)
    assert scores["B"] == pytest.approx(1 + 4 + 6, rel=1e-15)
    assert scores["C"] == pytest.approx(4, rel=1e-15)
    assert m.order() == ["B", "A", "C"]
    # what a person reads at T0 + 2H: everything halved twice
    assert hotrank.value_at(scores["B"], T0, T0 + 2 * H_MS, H_MS) == pytest.approx(2.75, rel=1e-15)
    assert m.likes["A"] == 6


def test_recent_activity_overtakes_an_older_burst() -> None:
    m = HotModel(cfg())
    m.apply_all(ev(f"o{i}", "enter", "old", f"u{i}", T0) for i in range(8))   # 8 viewers at T0
    m.apply_all(ev(f"n{i}", "enter", "new", f"v{i}", T0 + 3 * H_MS) for i in range(2))  # 2 viewers 3H later
    assert m.scores()["old"] == pytest.approx(8)
    assert m.scores()["new"] == pytest.approx(16)  # 2 * 2^3
    assert m.order() == ["new", "old"]


def test_landmark_moves_and_rescales_before_overflow() -> None:
    m = HotModel(cfg())
    m.apply(ev("1", "enter", "A", "u1", T0 + STEP - H_MS))  # 2^31
    assert m.rooms["A"].landmark == T0
    assert m.rooms["A"].score == 2.0 ** 31
    m.apply(ev("2", "enter", "A", "u2", T0 + STEP))  # crosses the grid: rescale by 2^-32, then + 1
    assert m.rooms["A"].landmark == T0 + STEP
    assert m.rooms["A"].score == pytest.approx(0.5 + 1.0, rel=1e-15)
    # the decayed value is the same whichever landmark it is expressed on
    now = T0 + STEP + H_MS
    assert hotrank.value_at(m.rooms["A"].score, T0 + STEP, now, H_MS) == pytest.approx(0.75)
    assert hotrank.rescale(1.5, T0 + STEP, T0, H_MS) == pytest.approx(1.5 * 2.0 ** 32)


def test_event_ids_count_once() -> None:
    m = HotModel(cfg())
    assert m.apply(ev("x", "gift", "A", "u1", T0, value=500)) is True
    assert m.apply(ev("x", "gift", "A", "u1", T0, value=500)) is False
    assert m.scores()["A"] == pytest.approx(0.5)
    assert m.hourly[T0 // 3_600_000] == {"A": 500}


def test_likes_are_capped_per_user_per_minute() -> None:
    m = HotModel(cfg(like_cap_per_minute=3))
    minute = (T0 // 60_000 + 1) * 60_000
    m.apply_all([ev("1", "like", "A", "u1", minute, count=2), ev("2", "like", "A", "u1", minute + 10, count=2),
                 ev("3", "like", "A", "u1", minute + 20, count=9), ev("4", "like", "A", "u2", minute + 30, count=1),
                 ev("5", "like", "A", "u1", minute + 60_000, count=5)])
    assert m.likes["A"] == 3 + 1 + 3
    # hot: once per liker per minute at their latest like in it (u1 twice, u2 once), not per like
    at = [minute + 20, minute + 30, minute + 60_000]
    assert m.scores()["A"] == pytest.approx(sum(0.2 * 2 ** ((t - T0) / H_MS) for t in at), rel=1e-12)


def test_unique_participants_per_window() -> None:
    m = HotModel(cfg())
    m.apply_all(ev(f"e{i}", "enter", "A", "same", T0 + i * 6000) for i in range(100))  # rejoining farms nothing
    assert m.scores()["A"] == pytest.approx(2.0 ** (99 * 6000 / H_MS))  # one viewer, at their latest entry
    m.apply(ev("late", "enter", "A", "same", T0 + 3_600_000))  # next hour window: counts again
    assert m.scores()["A"] == pytest.approx(2.0 ** (99 * 6000 / H_MS) + 2.0 ** 6)


def test_the_order_entries_are_applied_in_does_not_matter() -> None:
    import random

    events = [ev(str(i), kind, f"r{i % 3}", f"u{i % 7}", T0 + (i * 7919) % 5_000_000, count=1 + i % 4,
                 value=100 * (i % 5)) for i, kind in
              enumerate(["like", "chat", "enter", "gift", "share", "click", "paid", "follow"] * 40)]
    forward = HotModel(cfg())
    forward.apply_all(events)
    shuffled = events[:]
    random.Random(3).shuffle(shuffled)
    other = HotModel(cfg())
    other.apply_all(shuffled)
    assert other.scores() == pytest.approx(forward.scores(), rel=1e-12)
    assert other.likes == forward.likes and other.hourly == forward.hourly


def test_weights_are_configurable() -> None:
    rules = hotrank.parse_weights("like=1.5, gift=0")
    assert rules["like"] == KindRule(1.5, 60) and rules["gift"].weight == 0
    m = HotModel(cfg(rules=rules))
    m.apply_all([ev("1", "like", "A", "u", T0), ev("2", "gift", "B", "u", T0, value=10_000)])
    assert m.scores() == {"A": 1.5}
    with pytest.raises(ValueError):
        hotrank.parse_weights("nonsense=1")
    with pytest.raises(ValueError):
        hotrank.parse_weights("like=-1")
