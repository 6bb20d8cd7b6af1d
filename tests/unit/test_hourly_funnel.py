"""Hour buckets of the hourly ranking and the funnel / window-change math (pure)."""

import pytest

from livecore.core import funnel, hourly
from livecore.core.hotrank import Event, HotConfig, HotModel


def test_hour_buckets_reset_on_the_hour() -> None:
    top = 1_700_006_400_000  # 2023-11-15T00:00:00Z, an hour boundary
    assert top % hourly.HOUR_MS == 0
    m = HotModel(HotConfig())
    m.apply(Event("1", "gift", "A", "u", top - 1, value=300))
    m.apply(Event("2", "gift", "B", "u", top - 1, value=100))
    m.apply(Event("3", "gift", "B", "u", top, value=50))
    before, after = hourly.hour_of(top - 1), hourly.hour_of(top)
    assert after == before + 1
    assert m.hourly[before] == {"A": 300, "B": 100}
    assert m.hourly[after] == {"B": 50}  # A starts the new hour at nothing
    assert hourly.format_hour(after) == "2023-11-15T00:00:00Z"
    assert hourly.parse_hour("2023-11-15T00:30:00Z") == after
    assert hourly.parse_hour("2023-11-15T08:30:00+08:00") == after
    assert hourly.parse_hour(str(after)) == after
    assert hourly.seconds_left(top - 1000) == 1.0


def test_funnel_counts_and_ratios() -> None:
    steps = funnel.funnel([200, 120, 30, 12, 9])
    assert [s.step for s in steps] == ["entered", "watched", "clicked", "ordered", "paid"]
    assert [s.ratio for s in steps] == [None, 0.6, 0.25, 0.4, 0.75]
    assert [s.overall for s in steps] == [1.0, 0.6, 0.15, 0.06, 0.045]
    assert funnel.funnel([0, 0, 0, 0, 0])[2].ratio is None
    with pytest.raises(ValueError):
        funnel.funnel([1, 2])


def test_last_ten_minutes_against_the_ten_before() -> None:
    now = 1000
    buckets = {m: {"likes": 10} for m in range(now - 19, now - 9)}  # previous window: 10 x 10
    buckets.update({m: {"likes": 15, "gmv": 100} for m in range(now - 9, now + 1)})  # last window: 10 x 15
    buckets[now - 25] = {"likes": 999}  # too old to count
    ch = funnel.windows(buckets, now, ["likes", "gmv", "shares"])
    assert (ch["likes"].last, ch["likes"].previous, ch["likes"].pct, ch["likes"].trend) == (150, 100, 50.0, "up")
    assert ch["gmv"].pct is None and ch["gmv"].trend == "up"
    assert ch["shares"].as_dict() == {"last": 0, "previous": 0, "delta": 0, "pct": None, "trend": "flat"}


def test_a_later_step_passes_every_step_before_it_and_no_step_exceeds_the_one_before() -> None:
    assert funnel.through("enter") == ("enter",)
    assert funnel.through("click") == ("enter", "watch", "click")
    assert funnel.through("paid") == funnel.KEYS
    steps = funnel.funnel([3, 4, 5, 2, 2])  # counts read a moment apart, or sets from before the rule
    assert [s.users for s in steps] == [3, 3, 3, 2, 2]
    assert all(s.ratio is None or s.ratio <= 1 for s in steps)
