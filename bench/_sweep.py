"""``--sweep A,B,C``: the benchmark once per offered load (``--compare`` inside each step), one report."""

from __future__ import annotations

import argparse
import copy
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from _plots import latency_png, runs_of, sweep_png
from livecore.config import Settings


def loads(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def add_argument(p: argparse.ArgumentParser, offered: str) -> None:
    p.add_argument("--sweep", type=loads, metavar="A,B,...",
                   help=f"run once per value of --{offered.replace('_', '-')} and plot throughput and p99 against it")


async def sweep(one: Callable[[argparse.Namespace, Settings], Awaitable[dict[str, Any]]], args: argparse.Namespace,
                settings: Settings, offered: str, figures: Iterable[str], integer: bool = False) -> dict[str, Any]:
    figures = list(figures)
    points: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for load in args.sweep:
        step = copy.copy(args)
        setattr(step, offered, int(load) if integer else load)
        step.sweep = None
        report = await one(step, settings)
        for name, run in runs_of(report).items():
            points.append({"transport": name, offered: getattr(step, offered), **{k: run.get(k) for k in figures}})
        steps.append(report)
    return {"offered": offered, "sweep": points, "steps": steps}


def write(json_path: Path, report: dict[str, Any], throughput: str, title: str) -> list[Path]:
    """``<stem>.png`` (latency of every step) and ``<stem>-sweep.png`` (throughput and p99 against load)."""
    offered = report["offered"]
    series: dict[str, list[list[float]]] = {}
    for step, point_runs in zip(report["steps"], _group(report), strict=True):
        for name, run in runs_of(step).items():
            series[f"{name} {offered}={point_runs}"] = run.get("latency_percentiles_ms") or []
    out = [latency_png(json_path.with_suffix(".png"), series, f"{title}: latency by offered load"),
           sweep_png(json_path.with_name(json_path.stem + "-sweep.png"), report["sweep"], offered, throughput, title)]
    return [p for p in out if p is not None]


def _group(report: dict[str, Any]) -> list[Any]:
    offered = report["offered"]
    seen: list[Any] = []
    for p in report["sweep"]:
        if p[offered] not in seen:
            seen.append(p[offered])
    return seen
