#!/usr/bin/env python
"""Fan-out benchmark: how many room events per second the gateways deliver to N viewers, how late, at what
CPU cost per frame against a bare ``websockets.broadcast`` server, and whether anything reliable is lost.

    python bench/fanout.py --viewers 10000 --rate 1000 --seconds 20 --gateways 1 --baseline --json out.json

It starts G gateways, each ``livecore gateway --procs P`` (``--gateway-procs``, default 1; P processes share
the gateway's port), or uses running ones (``--gateway-url``), opens N viewer connections from
several load-generator processes (drainers count bytes; a sample of probes decode every frame), offers
``--rate`` barrage/s and ``--gift-rate`` gifts/s through sender clients over the normal path, and measures a
window of ``--seconds`` after a warm-up. ``--baseline`` then runs the bare server with the same viewers, fed
frames of the same size at the same rate, and reports its CPU per delivered frame beside the gateway's;
``--floor`` does the same with the transport's floor (bare picows writing each encoded frame to every socket).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _compare
import _plots
import _sweep
from _fanout.orchestrate import Plan, baseline_phase, default_probes, default_procs, gateway_phase
from _fanout.report import server_figures, summarize
from _rooms import create_room
from livecore.config import Settings
from livecore.gateway.procs import default_procs as gateway_default_procs
from livecore.secrets_check import with_run_secrets
from livecore.services.discover import resolve


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--viewers", type=int, default=1000)
    p.add_argument("--rate", type=float, default=500.0, help="barrage messages offered per second")
    p.add_argument("--seconds", type=float, default=10.0, help="length of the measured window")
    p.add_argument("--gateways", type=int, default=1)
    p.add_argument("--gateway-procs", type=int, default=1,
                   help="processes of each started gateway (`livecore gateway --procs P`, sharing its port; "
                        "0: the gateway's own default, one per core)")
    p.add_argument("--baseline", action="store_true", help="also run the bare websockets.broadcast server")
    p.add_argument("--floor", action="store_true",
                   help="also run the transport's floor: bare picows writing each encoded frame to every socket, "
                        "fed the same frames (its CPU per frame against the baseline's: what the gateway's own "
                        "work could give back at most)")
    p.add_argument("--json", type=Path, help="write the report here too")
    p.add_argument("--gateway-url", action="append", default=[],
                   help="ws://H:P/ws of a running gateway (repeatable); none are started then")
    p.add_argument("--gift-rate", type=float, default=2.0, help="gifts per second")
    p.add_argument("--gift", default="rose", help="gift catalogue id the senders send")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of sending before the window opens")
    p.add_argument("--drain", type=float, default=3.0, help="seconds after the window for events in flight")
    p.add_argument("--probes", type=int, help="probe viewers (default 1%%, at least 20)")
    p.add_argument("--procs", type=int, help="drainer processes (default one per 5000 viewers)")
    p.add_argument("--stages", type=int, default=20,
                   help="viewers join in this many steps, probes and drainers together, so probes sit "
                        "throughout the gateway's viewer list (1: all at once, probes first)")
    p.add_argument("--chat-rate", type=float,
                   help="per-user barrage rate (tokens/s): started gateways get it as LIVECORE_CHAT_RATE "
                        "(default 20); for --gateway-url give theirs (default: the environment's)")
    p.add_argument("--senders", type=int, help="barrage sender users (default: rate / (chat-rate/2))")
    p.add_argument("--gifters", type=int, default=2)
    p.add_argument("--budget", type=float, help="room barrage budget (default: LIVECORE_BARRAGE_BUDGET)")
    p.add_argument("--logdir", type=Path, help="where child process logs go (default: a temp folder)")
    p.add_argument("--raw", type=Path, help="also write every process's raw counts here (for analysis)")
    _compare.add_arguments(p)
    _sweep.add_argument(p, "rate")
    return p.parse_args(argv)


async def run(args: argparse.Namespace, settings: Settings) -> dict[str, object]:
    run_id = uuid.uuid4().hex[:8]
    external = bool(args.gateway_url)
    chat_rate = args.chat_rate or (settings.chat_rate if external else 20.0)
    budget = args.budget or settings.barrage_budget
    senders = args.senders or max(1, math.ceil(args.rate / (chat_rate / 2.0)))
    logdir = args.logdir or Path(tempfile.mkdtemp(prefix=f"fanout-{run_id}-"))
    logdir.mkdir(parents=True, exist_ok=True)
    plan = Plan(
        viewers=args.viewers, rate=args.rate, seconds=args.seconds,
        gateways=len(args.gateway_url) if external else args.gateways, gift_rate=args.gift_rate,
        warmup=args.warmup, drain=args.drain, probes=args.probes or default_probes(args.viewers),
        procs=args.procs or default_procs(args.viewers), senders=senders, gifters=args.gifters,
        budget=budget, chat_rate=chat_rate, gift=args.gift, room=f"fanout-{run_id}", run_id=run_id,
        secret=settings.secret, logdir=logdir, stages=max(1, args.stages),
        gateway_procs=args.gateway_procs or gateway_default_procs())
    prefix = f"{settings.key_prefix}bench{run_id}"
    env = {**settings.env(), "LIVECORE_KEY_PREFIX": prefix, "LIVECORE_CHAT_RATE": str(chat_rate),
           "LIVECORE_CHAT_BURST": str(max(settings.chat_burst, math.ceil(chat_rate * 2))),
           "LIVECORE_BARRAGE_BUDGET": str(int(budget))}
    started = time.time()
    try:
        if not external:  # a deployment's gateways join a room created through its API
            await create_room(settings.redis_url, prefix, plan.room, cluster=settings.redis_cluster)
        gw = await gateway_phase(plan, env, args.gateway_url)
        base = floor = None
        viewer_frames = sum(r["frames"] for r in [gw["probes"], *gw["drainers"]])
        viewers = sum(r["connected"] for r in [gw["probes"], *gw["drainers"]])
        payload = sum(r["payload_bytes"] for r in [gw["probes"], *gw["drainers"]])
        rate = viewer_frames / plan.seconds / viewers if viewers else 0.0
        size = round(payload / viewer_frames) if viewer_frames else 200
        if args.baseline:
            base = await baseline_phase(plan, settings.redis_url, f"{prefix}:baseline", rate, size)
        if args.floor:
            floor = await baseline_phase(plan, settings.redis_url, f"{prefix}:floor", rate, size, "floor")
    finally:
        await _drop_keys(settings.redis_url, prefix)
    if args.raw:
        args.raw.write_text(json.dumps({"gateway": gw, "baseline": base, "floor": floor}, default=str))
    report = summarize(plan, gw, base)
    if floor is not None:
        report.update(floor_figures(report, floor, plan.seconds))
    report.update(
        command=" ".join(["python", "bench/fanout.py", *sys.argv[1:]]),
        chat_rate_per_user=chat_rate, gift_rate=args.gift_rate, warmup_s=args.warmup, join_stages=plan.stages,
        started_at=time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
        cpus=os.cpu_count(), logdir=str(logdir),
        gateways_started=not external)
    return report


COMPARED = ("frames_per_s", "delivered_msgs_per_s", "cpu_s_per_frame", "cpu_ratio_to_baseline", "p50_ms",
            "p99_ms", "rss_bytes_per_conn")


SWEPT = ("delivered_msgs_per_s", "frames_per_s", "p50_ms", "p99_ms", "cpu_s_per_frame", "gifts_lost")


def floor_figures(report: dict[str, Any], floor: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The floor's own figures, and the gateway's and the baseline's CPU per frame against it."""
    ffig = server_figures(floor, seconds)
    out: dict[str, Any] = {"floor": {**ffig, "fed_frames": floor.get("fed")},
                           "floor_cpu_s_per_frame": ffig["cpu_s_per_frame"]}
    per = ffig["cpu_s_per_frame"]
    if per and report.get("baseline_cpu_s_per_frame"):
        out["floor_cpu_ratio_to_baseline"] = round(per / report["baseline_cpu_s_per_frame"], 3)
    if per and report.get("cpu_s_per_frame"):
        out["cpu_ratio_to_floor"] = round(report["cpu_s_per_frame"] / per, 3)
    return out


def cpu_png(json_path: Path, report: dict[str, Any]) -> Path | None:
    """``<json stem>-cpu.png``: microseconds of CPU per delivered frame, the gateway beside the baseline and the
    transport's floor when they ran, with the issue's 0.6x-the-baseline line."""
    if report.get("baseline_cpu_s_per_frame") is None and report.get("floor_cpu_s_per_frame") is None:
        return None
    us = {name: (report.get(key) or 0.0) * 1e6 for name, key in (
        ("gateway", "cpu_s_per_frame"), ("websockets.broadcast", "baseline_cpu_s_per_frame"),
        ("picows floor", "floor_cpu_s_per_frame"))}
    base = us["websockets.broadcast"]
    target = ("0.6x the baseline", 0.6 * base) if base else None
    return _plots.bars_png(json_path.with_name(json_path.stem + "-cpu.png"), us, "CPU per delivered frame (us)",
                           "fan-out: CPU per delivered frame", target)


async def transports(args: argparse.Namespace, settings: Settings) -> dict[str, object]:
    """One run on ``--transport``, or with ``--compare T`` a second one on T right after it, and the ratios."""
    if args.compare:
        return await _compare.compare(run, args, settings, COMPARED)
    report = await run(args, _compare.chosen(args, settings))
    report["transport"] = _compare.chosen(args, settings).gateway_transport
    return report


async def _drop_keys(redis_url: str, prefix: str) -> None:
    from livecore.runtime import drop_keys, redis_client

    redis = redis_client(redis_url)
    try:
        await drop_keys(redis, prefix)
    finally:
        await redis.aclose()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = with_run_secrets(resolve(Settings.from_env()))  # may start embedded servers; runs its own event loop
    if args.sweep:
        report = asyncio.run(_sweep.sweep(transports, args, settings, "rate", SWEPT))
    else:
        report = asyncio.run(transports(args, settings))
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
        if args.sweep:
            pngs = _sweep.write(args.json, report, "delivered_msgs_per_s", "fan-out")
        else:
            pngs = [p for p in [_plots.write_latency(args.json, report, "fan-out: event latency at the probes"),
                                cpu_png(args.json, report)] if p]
        print("plots:", ", ".join(map(str, pngs)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
