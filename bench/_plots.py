"""PNG figures next to a benchmark's JSON: the latency distribution (an HDR percentile plot) and, for a
``--sweep``, throughput and p99 against offered load. Headless (matplotlib's Agg backend)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

PERCENTILES = (0.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.95, 99.99, 99.999)


def percentile_points(hist: Any, unit_per_ms: float = 1000.0) -> list[list[float]]:
    """``[[percentile, ms], ...]`` of an HdrHistogram (recorded in microseconds by default), plus the max."""
    if not hist.get_total_count():
        return []
    points = [[p, round(hist.get_value_at_percentile(p) / unit_per_ms, 3)] for p in PERCENTILES]
    points.append([100.0, round(hist.get_max_value() / unit_per_ms, 3)])
    return points


def _x(pct: float) -> float:
    return 1.0 / max(1.0 - pct / 100.0, 1e-6)  # 50% -> 2, 99% -> 100, 99.9% -> 1000: the HDR plot's axis


def latency_png(png: Path, series: dict[str, list[list[float]]], title: str) -> Path | None:
    series = {k: v for k, v in series.items() if v}
    if not series:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, points in series.items():
        ax.plot([_x(p) for p, _ in points], [ms for _, ms in points], marker=".", label=name)
    ticks = [0.0, 50.0, 90.0, 99.0, 99.9, 99.99, 99.999]
    ax.set_xscale("log")
    ax.set_xticks([_x(p) for p in ticks], [f"{p:g}%" for p in ticks])
    ax.set_xlabel("percentile")
    ax.set_ylabel("latency (ms)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png


def bars_png(png: Path, bars: dict[str, float], ylabel: str, title: str, target: tuple[str, float] | None = None,
             ) -> Path | None:
    """One bar per label (e.g. CPU per delivered frame of the gateway, the baseline and the transport's floor),
    with an optional dashed line at a target value."""
    bars = {k: v for k, v in bars.items() if v}
    if not bars:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    drawn = ax.bar(list(bars), list(bars.values()), color=["#d33", "#369", "#693", "#999"][:len(bars)])
    ax.bar_label(drawn, fmt="%.2f")
    if target is not None:
        ax.axhline(target[1], color="black", linestyle="--", linewidth=1)
        ax.text(len(bars) - 0.5, target[1], target[0], ha="right", va="bottom", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png


def sweep_png(png: Path, points: list[dict[str, Any]], offered: str, throughput: str, title: str) -> Path | None:
    """Two panels: ``throughput`` and ``p99_ms`` against ``offered``, one line per transport (``transport``)."""
    if not points:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    for name in sorted({str(p.get("transport", "")) for p in points}):
        mine = sorted((p for p in points if str(p.get("transport", "")) == name), key=lambda p: p[offered])
        xs = [p[offered] for p in mine]
        top.plot(xs, [p.get(throughput) or math.nan for p in mine], marker="o", label=name or throughput)
        bottom.plot(xs, [p.get("p99_ms") or math.nan for p in mine], marker="o", label=name or "p99")
    top.set_ylabel(throughput)
    bottom.set_ylabel("p99 (ms)")
    bottom.set_xlabel(offered)
    top.set_title(title)
    for ax in (top, bottom):
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png


def runs_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The single runs inside a report: itself, or each run of a ``--compare``."""
    if "runs" in report and isinstance(report["runs"], dict):
        return report["runs"]
    return {str(report.get("transport", "run")): report}


def write_latency(json_path: Path, report: dict[str, Any], title: str,
                  extra: dict[str, str] | None = None) -> Path | None:
    """``<json stem>.png``: each run's ``latency_percentiles_ms`` (and ``extra``: label -> key of a nested
    report with its own, e.g. the PostgreSQL reference)."""
    series: dict[str, list[list[float]]] = {}
    for name, run in runs_of(report).items():
        series[name] = run.get("latency_percentiles_ms") or []
        for label, key in (extra or {}).items():
            nested = run.get(key) or {}
            series[f"{label} ({name})" if len(runs_of(report)) > 1 else label] = (
                nested.get("latency_percentiles_ms") or [])
    return latency_png(json_path.with_suffix(".png"), series, title)
