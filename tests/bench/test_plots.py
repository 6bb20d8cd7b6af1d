"""The benchmarks' figures: HDR percentile points from a histogram, and the PNGs drawn from a report."""

from __future__ import annotations

import sys
from pathlib import Path

from hdrh.histogram import HdrHistogram

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from _compare import ratios  # noqa: E402
from _plots import percentile_points, sweep_png, write_latency  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def _hist(values_us: list[int]) -> HdrHistogram:
    hist = HdrHistogram(1, 60_000_000, 3)
    for v in values_us:
        hist.record_value(v)
    return hist


def test_percentile_points_are_ordered_and_end_at_the_max() -> None:
    points = percentile_points(_hist([1000] * 990 + [50_000] * 9 + [200_000]))  # microseconds
    pcts = [p for p, _ in points]
    assert pcts == sorted(pcts) and pcts[-1] == 100.0
    by = dict((p, ms) for p, ms in points)
    assert 0.99 <= by[50.0] <= 1.01 and 49 <= by[99.9] <= 51 and 199 <= by[100.0] <= 201
    assert percentile_points(_hist([])) == []


def test_a_compare_report_gets_one_latency_png_with_a_line_per_transport(tmp_path: Path) -> None:
    report = {"runs": {"picows": {"latency_percentiles_ms": percentile_points(_hist([800, 900, 5000]))},
                       "websockets": {"latency_percentiles_ms": percentile_points(_hist([1200, 1500, 9000]))}}}
    png = write_latency(tmp_path / "out.json", report, "t")
    assert png == tmp_path / "out.png" and png.read_bytes().startswith(PNG)
    assert write_latency(tmp_path / "empty.json", {"latency_percentiles_ms": []}, "t") is None


def test_sweep_png_and_ratios(tmp_path: Path) -> None:
    points = [{"transport": t, "rate": r, "delivered_msgs_per_s": r * k, "p99_ms": 10 + r / k}
              for t, k in (("picows", 2), ("websockets", 1)) for r in (100, 200, 400)]
    png = sweep_png(tmp_path / "s.png", points, "rate", "delivered_msgs_per_s", "t")
    assert png is not None and png.read_bytes().startswith(PNG)
    assert ratios({"a": 3.0, "b": 1, "c": None}, {"a": 2.0, "b": 0, "c": 1}, ["a", "b", "c"]) == {
        "a_x": 1.5, "b_x": None, "c_x": None}
