#!/usr/bin/env python
"""Red packet rain benchmark: N viewers grab one rain through the gateways, in one window.

    python bench/redpacket.py --viewers 5000 --packets 1000 --total 100000 --gateways 2 --json out.json

It starts G ``livecore gateway`` processes and one ``livecore worker --only redpackets`` (the ledger writer),
launches a rain of ``--packets`` packets splitting ``--total`` cents (a 60 s window, open at once), opens N
WebSocket viewers from ``--procs`` load-generator processes (raw sockets, ``bench/_redpacket/grabbers.py``), and
at one instant every viewer sends ``--attempts`` grabs one after the other, in pairs of one key (a grab and
its retry). Then the rain is ended (the leftover goes back to the host) and the worker drains.

It reports grabs/s and p50/p99 of every answered attempt, packets given, the sum given plus the leftover
against the total, double grabs (a user answered with two different packets, or Redis holding more grabs than
users), ledger rows in PostgreSQL against the grabs in Redis after the drain, and, in the same run, the
round-trip floor ``bench/flashsale.py`` measures (``redis-benchmark`` PING over as many connections as
viewers) with the ratio to it. CPU seconds of each process and the load average are reported: the machine
may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _plots  # noqa: E402
from _stack import Stack  # noqa: E402
from flashsale import Children, cpu_seconds, loadavg  # noqa: E402
from livecore.config import Settings  # noqa: E402
from livecore.secrets_check import with_run_secrets  # noqa: E402
from livecore.services.discover import resolve  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--viewers", type=int, default=300)
    p.add_argument("--packets", type=int, default=100)
    p.add_argument("--total", type=int, default=10000, help="cents split among the packets")
    p.add_argument("--gateways", type=int, default=2)
    p.add_argument("--attempts", type=int, default=4, help="grabs per viewer (pairs of one key: grab, retry)")
    p.add_argument("--procs", type=int, default=2, help="load-generator processes")
    p.add_argument("--redis-benchmark", default=shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark")
    p.add_argument("--no-floor", action="store_true", help="skip the round-trip floor (quick runs)")
    p.add_argument("--drain-timeout", type=float, default=120.0)
    p.add_argument("--json", type=Path)
    p.add_argument("--child", nargs=2, metavar=("ROLE", "SPEC"), help=argparse.SUPPRESS)  # internal
    return p.parse_args(argv)


class RainChildren(Children):
    """``flashsale.Children`` whose children run this script (``--child grabbers``)."""

    def start(self, role: str, specs: list[dict[str, Any]]) -> list[subprocess.Popen[bytes]]:
        started = []
        for j, spec in enumerate(specs):
            spec = {**spec, "out": str(self.logdir / f"{role}{j}.json")}
            proc = subprocess.Popen(
                [sys.executable, __file__, "--child", role, json.dumps(spec)], cwd=ROOT, env=self.env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(self.logdir / f"{role}{j}.log", "wb"))  # noqa: SIM115
            self._out_of[proc.pid] = spec["out"]
            started.append(proc)
        self.procs.extend(started)
        return started


def tally_grabs(answers_ok: list[str]) -> dict[str, Any]:
    """From every successful answer ``user:index:amount``: packets per user, double grabs, the sum handed out."""
    by_user: dict[str, set[tuple[int, int]]] = {}
    for line in answers_ok:
        user, index, amount = line.rsplit(":", 2)
        by_user.setdefault(user, set()).add((int(index), int(amount)))
    packets = [p for got in by_user.values() for p in got]
    return {"users_answered_ok": len(by_user), "double_grabs": sum(1 for got in by_user.values() if len(got) > 1),
            "packets_seen": len({i for i, _ in packets}), "sum_seen": sum(a for _, a in set(packets)),
            "indexes_shared": len(packets) - len({i for i, _ in packets})}


async def run(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    from _flashsale import redisref, stats
    from _rooms import create_room
    from livecore.features.redpacket.keys import RedPacketKeys
    from livecore.features.redpacket.model import RedPacketIn
    from livecore.features.redpacket.service import RedPacketService
    from livecore.runtime import open_runtime

    stack = await Stack.prepare(settings, "rp", "redpacket")
    cfg, logdir, pids, room = stack.cfg, stack.logdir, stack.pids, f"rain-{stack.run_id}"
    children = RainChildren(logdir, stack.env)
    children.procs = stack.procs  # the load generators are stopped with the rest
    report: dict[str, Any] = {"command": " ".join(["python", "bench/redpacket.py", *sys.argv[1:]]),
                              "viewers": args.viewers, "packets": args.packets, "total": args.total,
                              "gateways": args.gateways, "attempts_per_viewer": args.attempts,
                              "loadgen_procs": args.procs, "cpus": os.cpu_count(), "loadavg_start": loadavg(),
                              "logdir": str(logdir)}
    try:
        urls = await stack.start(args.gateways, ["redpackets"])
        await create_room(cfg.redis_url, cfg.key_prefix, room, cluster=cfg.redis_cluster)
        async with open_runtime(cfg, db_max_size=2) as rt:
            info = await rt.redis.info("server")
            pids["redis"] = int(info["process_id"])
            host = RedPacketService(rt)
            users = [f"v{i}" for i in range(args.viewers)]
            specs: list[dict[str, Any]] = [{"urls": urls, "secret": cfg.secret, "room": room,
                      "users": users[j::args.procs], "attempts": args.attempts} for j in range(args.procs)]
            rain_file = logdir / "rain.id"
            for spec in specs:
                spec["rain_file"] = str(rain_file)
            t_connect = time.monotonic()
            gens = children.start("grabbers", specs)
            for j, g in enumerate(gens):
                pids[f"loadgen{j}"] = g.pid
            ready = await children.ready(gens)
            report["connect_s"] = round(time.monotonic() - t_connect, 2)
            # launched once every viewer has joined: the viewers read its id when told to go
            rain = await host.launch(room, RedPacketIn(total=args.total, count=args.packets, window_s=60), "bench")
            rain_file.write_text(rain["id"])
            report["loadavg_before_storm"] = loadavg()
            cpu0 = cpu_seconds(pids)
            outs = await children.go(gens)
            cpu1 = cpu_seconds(pids)
            report["loadavg_after_storm"] = loadavg()
            storm = stats.merge(outs)
            ok_answers = storm.pop("orders")
            codes = storm.pop("codes")
            ended = await host.end(room, rain["id"], actor="bench")
            k = RedPacketKeys(rt.keys)
            redis_grabs = int(await rt.redis.hlen(k.packet(room, rain["id"]).users))
            stream = await rt.redis.xlen(k.outbox(room))
            drain_started = time.monotonic()
            assert rt.db is not None
            ledger = 0
            while time.monotonic() < drain_started + args.drain_timeout:
                ledger = await rt.db.fetchval(
                    "SELECT count(*) FROM wallet_ledger WHERE red_packet_id = $1 AND kind = 'grab'", rain["id"])
                if ledger >= redis_grabs:
                    break
                await asyncio.sleep(0.2)
            ledger_sum = int(await rt.db.fetchval(
                "SELECT coalesce(sum(delta), 0) FROM wallet_ledger WHERE red_packet_id = $1 AND kind = 'grab'",
                rain["id"]))
            verified = await host.verify(rain["id"])
            await host.close()
            seen = tally_grabs(ok_answers)
            report.update({
                **storm,
                "grabs_per_s": storm["attempts_per_s"],
                "ready": ready,
                "connected": sum(o["connected"] for o in outs),
                "connect_failures": sum(o["n_connect_failures"] for o in outs),
                "lost_during_storm": sum(o["lost_during_storm"] for o in outs),
                "answers_ok": codes.get("ok", 0), "refusals": {c: n for c, n in codes.items() if c != "ok"},
                "packets_given": ended["grabbed"], "sum_given": ended["given"], "leftover": ended["leftover"],
                "sum_given_plus_leftover_equals_total": ended["given"] + ended["leftover"] == args.total
                and ledger_sum == ended["given"],
                **seen,
                "double_grabs": seen["double_grabs"] + seen["indexes_shared"] + max(0, stream - redis_grabs),
                "redis_grabs": redis_grabs, "stream_grabs": stream, "ledger_rows": ledger, "ledger_sum": ledger_sum,
                "ledger_equals_redis": ledger == redis_grabs == stream == ended["grabbed"],
                "verified": verified["ok"], "verify_problems": verified["problems"],
                "drain_s": round(time.monotonic() - drain_started, 2),
                "cpu_s_during_storm": {n: round(cpu1[n] - cpu0[n], 2) for n in pids},
            })
            if not args.no_floor:
                floor = redisref.floor(args.redis_benchmark, cfg, args.viewers, max(10_000, storm["attempts_done"]))
                report["round_trip_floor"] = floor
                rps = floor.get("requests_per_s")
                report["pct_of_round_trip_floor"] = round(100 * storm["attempts_per_s"] / rps, 1) if rps else None
        report["loadavg_end"] = loadavg()
    finally:
        await stack.stop()
    return report


def child(role: str, spec: dict[str, Any]) -> int:
    import uvloop

    from _redpacket.grabbers import run as main_

    result = uvloop.run(main_(spec))
    Path(spec["out"]).write_text(json.dumps(result))
    print("DONE", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child(args.child[0], json.loads(args.child[1]))
    settings = with_run_secrets(resolve(Settings.from_env()))
    report = asyncio.run(run(args, settings))
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
        png = _plots.write_latency(args.json, report, "red packet rain: grab round trip")
        if png:
            print("plot:", png, file=sys.stderr)
    ok = report["double_grabs"] == 0 and report["sum_given_plus_leftover_equals_total"] and \
        report["ledger_equals_redis"] and report["verified"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
