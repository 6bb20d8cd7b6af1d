#!/usr/bin/env python
"""Group-buy benchmark: N viewers open and join groups of a group deal (拼团) through the gateways.

    python bench/groupbuy.py --viewers 3000 --size 3 --units 2000 --gateways 2 --json out.json

It starts G ``livecore gateway`` processes and one ``livecore worker --only groupbuy --only groupbuy-timer``,
creates a deal of ``--units`` units for groups of ``--size`` (per-user limit 1) ending ``--window-s`` after its
creation (every group's deadline is the deal's end), and connects N viewers from ``--procs`` load-generator
processes (``bench/_groupbuy/viewers.py``). Round one: N/size openers open a group each, at once. Round two:
every other viewer joins a random open group at once, trying another after ``group_closed`` / ``already``
(``--tries``). Then it waits for the deal's end, the timer's dissolutions and the worker's drain, and reports:
joins/s and the join latency percentiles (p50, p99), groups completed and dissolved, over-filled groups (more
members than the size, in Redis or PostgreSQL), unsettled members (a member whose order is neither confirmed
nor released once every group is settled), and whether PostgreSQL equals Redis (``livecore reconcile`` of
the deal finds no difference). JSON with ``--json PATH`` and the latency plot beside it (PATH with ``.png``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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
from livecore.config import Settings  # noqa: E402
from livecore.secrets_check import with_run_secrets  # noqa: E402
from livecore.services.discover import resolve  # noqa: E402

PERCENTILES = (50.0, 90.0, 99.0, 99.9)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--viewers", type=int, default=300)
    p.add_argument("--size", type=int, default=3, help="members a group needs (2-10)")
    p.add_argument("--units", type=int, default=200)
    p.add_argument("--gateways", type=int, default=2)
    p.add_argument("--procs", type=int, default=2, help="load-generator processes")
    p.add_argument("--tries", type=int, default=3, help="joins a viewer tries before giving up")
    p.add_argument("--window-s", type=int, default=20, help="the deal's length (its groups' deadline)")
    p.add_argument("--drain-timeout", type=float, default=120.0)
    p.add_argument("--json", type=Path)
    p.add_argument("--child", metavar="SPEC", help=argparse.SUPPRESS)  # internal: a load generator
    return p.parse_args(argv)


def percentiles(values: list[float]) -> list[list[float]]:
    if not values:
        return []
    xs = sorted(values)
    out = [[p, xs[min(len(xs) - 1, int(len(xs) * p / 100))]] for p in PERCENTILES]
    out.append([100.0, xs[-1]])
    return out


def merge(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    codes: dict[str, int] = {}
    lat: list[float] = []
    for r in rounds:
        for c, n in r["codes"].items():
            codes[c] = codes.get(c, 0) + n
        lat += r["latencies_ms"]
    first = min(r["first"] for r in rounds)
    last = max([r["last"] for r in rounds if r["last"]] or [first])
    span = max(last - first, 1e-6)
    points = percentiles(lat)
    return {"answers": len(lat), "codes": codes, "per_s": round(len(lat) / span, 1), "span_s": round(span, 3),
            "p50_ms": points[0][1] if points else None, "p99_ms": points[2][1] if points else None,
            "latency_percentiles_ms": points}


class LoadGens:
    def __init__(self, logdir: Path, env: dict[str, str]) -> None:
        self.logdir, self.env = logdir, env
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, specs: list[dict[str, Any]]) -> None:
        for j, spec in enumerate(specs):
            spec = {**spec, "out": str(self.logdir / f"viewers{j}")}
            self.procs.append(subprocess.Popen(
                [sys.executable, __file__, "--child", json.dumps(spec)], cwd=ROOT, env=self.env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=open(self.logdir / f"viewers{j}.log", "wb")))  # noqa: SIM115 - the child's log

    async def line(self, proc: subprocess.Popen[bytes], want: str) -> str:
        text = (await asyncio.get_running_loop().run_in_executor(None, proc.stdout.readline)).decode()  # type: ignore[union-attr]
        if not text.startswith(want):
            raise RuntimeError(f"a load generator failed (wanted {want}); see {self.logdir}")
        return text.strip()

    async def ready(self) -> list[str]:
        return [await self.line(p, "READY") for p in self.procs]

    async def round(self, phase: str, extra: str = "") -> list[dict[str, Any]]:
        epoch = time.time() + 0.3
        for p in self.procs:
            p.stdin.write(f"GO {epoch} {phase} {extra}\n".encode())  # type: ignore[union-attr]
            p.stdin.flush()  # type: ignore[union-attr]
        outs = []
        for p in self.procs:
            done = await self.line(p, "DONE")
            outs.append(json.loads(Path(done.split(" ", 1)[1]).read_text()))
        return outs

    def stop(self) -> None:
        for p in self.procs:
            if p.stdin and not p.stdin.closed:
                try:
                    p.stdin.write(b"STOP\n")
                    p.stdin.close()
                except OSError:
                    pass


async def run(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    from livecore.features.groupbuy.keys import GroupKeys
    from livecore.features.groupbuy.model import DealIn, members_of, text_map
    from livecore.features.groupbuy.reconcile import reconcile
    from livecore.features.groupbuy.service import GroupBuyService
    from livecore.ranking.created import mark_created
    from livecore.runtime import open_runtime

    stack = await Stack.prepare(settings, "gb", "groupbuy")
    cfg, logdir, room = stack.cfg, stack.logdir, f"group-{stack.run_id}"
    loadgens = LoadGens(logdir, stack.env)
    report: dict[str, Any] = {"command": " ".join(["python", "bench/groupbuy.py", *sys.argv[1:]]),
                              "viewers": args.viewers, "size": args.size, "units": args.units,
                              "gateways": args.gateways, "loadgen_procs": args.procs, "cpus": os.cpu_count(),
                              "loadavg_start": [round(x, 2) for x in os.getloadavg()], "logdir": str(logdir)}
    try:
        urls = await stack.start(args.gateways, ["groupbuy", "groupbuy-timer"])
        async with open_runtime(cfg, db_max_size=2) as rt:
            assert rt.db is not None
            await mark_created(rt.redis, rt.keys, [room])
            await rt.db.execute("INSERT INTO hosts (id, name) VALUES ('bench', 'bench')")
            await rt.db.execute("INSERT INTO rooms (id, host_id) VALUES ($1, 'bench')", room)
            await rt.db.execute(
                "INSERT INTO products (id, room_id, title, list_price) VALUES ('gbp', $1, 'bench', 9900)", room)
            users = [f"v{i}" for i in range(args.viewers)]
            openers = users[: max(1, args.viewers // args.size)]
            loadgens.start([{"urls": urls, "secret": cfg.secret, "room": room, "users": users[j::args.procs],
                             "openers": [u for u in openers if int(u[1:]) % args.procs == j], "tries": args.tries,
                             "seed": j} for j in range(args.procs)])
            t0 = time.monotonic()
            ready = await loadgens.ready()
            report["connect_s"] = round(time.monotonic() - t0, 2)
            report["ready"] = ready
            svc = GroupBuyService(rt)
            deal = (await svc.create(room, DealIn(product="gbp", price=4900, units=args.units, size=args.size,
                                                  per_user=1, duration_s=args.window_s), "bench"))["id"]
            await svc.close()
            ends_at = time.time() + args.window_s
            report["deal"] = deal
            opened = await loadgens.round("open", deal)
            groups = [g for r in opened for g in r["groups"]]
            groups_file = logdir / "groups.json"
            groups_file.write_text(json.dumps(groups))
            joined = await loadgens.round("join", str(groups_file))
            report["open"] = merge(opened)
            report["join"] = merge(joined)
            report["joins_per_s"] = report["join"]["per_s"]
            report["p50_ms"], report["p99_ms"] = report["join"]["p50_ms"], report["join"]["p99_ms"]
            report["latency_percentiles_ms"] = report["join"]["latency_percentiles_ms"]
            loadgens.stop()
            # every group's deadline is the deal's end: wait for it, the dissolutions and the drain
            k = GroupKeys(rt.keys)
            wait_until = max(ends_at, time.time()) + args.drain_timeout
            while time.time() < wait_until:
                h = text_map(await rt.redis.hgetall(k.deal(room, deal)))
                pg = await rt.db.fetchval("SELECT count(*) FROM group_members WHERE deal_id = $1", deal)
                settled = await rt.db.fetchval(
                    "SELECT count(*) FROM group_members WHERE deal_id = $1 AND status <> 'reserved'", deal)
                if time.time() > ends_at and int(h["reserved"]) == 0 and pg == settled == \
                        int(h["confirmed"]) + int(h["released"]):
                    break
                await asyncio.sleep(0.25)
            report["drain_s_after_deal_end"] = round(time.time() - ends_at, 2)
            h = text_map(await rt.redis.hgetall(k.deal(room, deal)))
            over_redis = 0
            for gid in [g.decode() for g in await rt.redis.smembers(k.groups(room, deal))]:
                gh = text_map(await rt.redis.hgetall(k.group(room, gid)))
                if len(members_of(gh)) > int(gh["size"]):
                    over_redis += 1
            over_pg = await rt.db.fetchval(
                """SELECT count(*) FROM (SELECT g.id FROM buy_groups g JOIN group_members m ON m.group_id = g.id
                   WHERE g.deal_id = $1 GROUP BY g.id, g.size HAVING count(*) > g.size) x""", deal)
            unsettled = await rt.db.fetchval(
                "SELECT count(*) FROM group_members WHERE deal_id = $1 AND status = 'reserved'", deal)
            rec = await reconcile(rt, deal, room)
            report.update({
                "units_left": int(h["left"]), "units_confirmed": int(h["confirmed"]),
                "units_released": int(h["released"]), "groups_opened": int(h["opened"]),
                "groups_completed": int(h["completed"]), "groups_dissolved": int(h["dissolved"]),
                "overfilled_groups": over_redis + over_pg, "unsettled_members": unsettled + int(h["reserved"]),
                "pg_members": await rt.db.fetchval("SELECT count(*) FROM group_members WHERE deal_id = $1", deal),
                "pg_equals_redis": rec.ok, "reconcile": [f"{d.kind}: {d.message}" for d in rec.differences],
                "oversold": max(0, int(h["confirmed"]) + int(h["reserved"]) - args.units),
            })
        report["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        loadgens.stop()
        stack.procs.extend(loadgens.procs)  # the load generators are stopped with the rest
        await stack.stop()
    return report


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        from _groupbuy.viewers import run as viewers

        asyncio.run(viewers(json.loads(args.child)))
        return 0
    settings = with_run_secrets(resolve(Settings.from_env()))
    report = asyncio.run(run(args, settings))
    text = json.dumps({k: v for k, v in report.items() if k not in ("open", "join", "latency_percentiles_ms")} |
                      {"open": {k: v for k, v in report["open"].items() if k != "latency_percentiles_ms"},
                       "join": {k: v for k, v in report["join"].items() if k != "latency_percentiles_ms"}}, indent=2)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        png = _plots.latency_png(args.json.with_suffix(".png"), {
            "group_join": report["join"]["latency_percentiles_ms"],
            "group_open": report["open"]["latency_percentiles_ms"]}, "group-buy: open and join round trip")
        print("plot:", png, file=sys.stderr)
    ok = report["overfilled_groups"] == 0 and report["unsettled_members"] == 0 and report["pg_equals_redis"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
