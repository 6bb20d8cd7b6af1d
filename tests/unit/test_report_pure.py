"""The post-live report's pure parts: which minutes are drawn, the headline figures, the chart's language."""

from __future__ import annotations

from livecore.ranking.report import chart_language, duration_text, figures, written_minutes


def test_the_running_minute_without_a_snapshot_is_not_drawn_as_zero() -> None:
    assert written_minutes([10, 11, 12, 13], {10, 11}) == [10, 11]
    assert written_minutes([10, 11, 12, 13], {10, 12}) == [10, 11, 12]  # a gap inside the session stays
    assert written_minutes([10, 11], set()) == [10]  # nothing written yet: one minute, an axis


def test_the_figures_of_a_session() -> None:
    got = figures({"gmv": 123456, "orders": 7, "watch_ms": 90_000, "watch_n": 3}, 42, 1_000_000, 1_000_000 + 3_725_000)
    assert got == {"gmv": 123456, "orders": 7, "peak_online": 42, "duration_s": 3725, "avg_watch_s": 30.0}
    assert figures({}, 0, 5, 5)["avg_watch_s"] == 0.0
    assert duration_text(3725) == "1:02:05" and duration_text(65) == "1:05"


def test_chinese_labels_only_with_a_font_that_has_the_glyphs() -> None:
    assert chart_language("zh", "WenQuanYi Micro Hei") == "zh"
    assert chart_language("zh", None) == "en"
    assert chart_language("en", "WenQuanYi Micro Hei") == "en"
