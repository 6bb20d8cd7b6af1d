#!/usr/bin/env python
"""Flash-sale benchmark: K buyer connections storm one sale through the gateways.

    python bench/flashsale.py --buyers 2000 --stock 10000 --attempts 200000 --gateways 2 --json out.json

It starts G ``livecore gateway`` processes and one ``livecore worker --only orders``, creates a sale of
``--stock`` units (per-user limit high enough that the stock can sell out), opens K WebSocket buyers from
``--procs`` load-generator processes (raw sockets, ``bench/_flashsale/buyers.py``; each buyer joins the room,
then sends ``buy`` messages one after the other with fresh idempotency keys until its attempts are spent),
and reports attempts/s (whole storm and before the sell-out), successes, p50/p99 latency, oversold units,
duplicate orders and the PostgreSQL order count once the worker has drained.

Two references run in the same invocation, with the same stock and attempts:
* ``redis-benchmark`` calling the same ``sale_buy`` script by EVALSHA on the same Redis (the ceiling: no
  Python, no WebSocket), ``-c 50`` as the issue names it, and pipelined (``-P``) for context;
* the round-trip floor: ``redis-benchmark`` ``PING`` over as many connections as buyers (the cheapest request
  and answer a C server gives on this machine; no design answering each attempt can pass it);
* the PostgreSQL-only design, ``UPDATE ... SET stock = stock - 1 WHERE id = $1 AND stock >= 1``, driven by as
  many client tasks as buyers over a pool of ``--pg-pool`` connections split over ``--pg-procs`` processes.

CPU seconds of every process involved and the load average are reported: the machine may be shared.
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

import _compare  # noqa: E402
import _plots  # noqa: E402
import _sweep  # noqa: E402
from _stack import Stack  # noqa: E402
from livecore.config import Settings  # noqa: E402
from livecore.secrets_check import with_run_secrets  # noqa: E402
from livecore.services.discover import resolve  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--buyers", type=int, default=200)
    p.add_argument("--stock", type=int, default=1000)
    p.add_argument("--attempts", type=int, default=10000)
    p.add_argument("--gateways", type=int, default=2)
    p.add_argument("--procs", type=int, default=2, help="load-generator processes")
    p.add_argument("--pg-pool", type=int, default=64, help="PostgreSQL connections of the reference, in all")
    p.add_argument("--pg-procs", type=int, default=0, help="processes of the PostgreSQL reference (default: "
                                                             "--gateways)")
    p.add_argument("--redis-clients", type=int, default=50)
    p.add_argument("--redis-pipeline", type=int, default=16, help="pipelined ceiling run (0: skip it)")
    p.add_argument("--redis-benchmark", default=shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark")
    p.add_argument("--no-references", action="store_true", help="only the WebSocket storm (quick runs)")
    p.add_argument("--drain-timeout", type=float, default=300.0)
    p.add_argument("--durability", choices=["none", "replica"], default="none",
                   help="replica: run the storm with LIVECORE_DURABILITY=none and =replica against a private "
                        "primary with a local replica, and report the cost ratio (bench/_flashsale/durability.py)")
    p.add_argument("--json", type=Path)
    _compare.add_arguments(p)
    _sweep.add_argument(p, "buyers")
    p.add_argument("--child", nargs=2, metavar=("ROLE", "SPEC"), help=argparse.SUPPRESS)  # internal
    return p.parse_args(argv)


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


# -- child processes ---------------------------------------------------------------------------------------
class Children:
    """Child processes speaking READY / ``GO <epoch>`` / DONE on stdio; each writes its report to a file."""

    def __init__(self, logdir: Path, env: dict[str, str]) -> None:
        self.logdir, self.env = logdir, env
        self.procs: list[subprocess.Popen[bytes]] = []
        self._out_of: dict[int, str] = {}  # pid -> report file

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

    async def ready(self, procs: list[subprocess.Popen[bytes]]) -> list[str]:
        """Wait for every child's READY line (buyers: connected and joined)."""
        loop = asyncio.get_running_loop()
        lines = []
        for p in procs:
            line = (await loop.run_in_executor(None, p.stdout.readline)).decode()  # type: ignore[union-attr]
            if not line.startswith("READY"):
                raise RuntimeError(f"a child failed to get ready; see {self.logdir}")
            lines.append(line.strip())
        return lines

    async def go(self, procs: list[subprocess.Popen[bytes]]) -> list[dict[str, Any]]:
        """Start every child at the same instant; their reports once they are done."""
        loop = asyncio.get_running_loop()
        epoch = time.time() + 0.3
        for p in procs:
            p.stdin.write(f"GO {epoch}\n".encode())  # type: ignore[union-attr]
            p.stdin.flush()  # type: ignore[union-attr]
        outs = []
        for p in procs:
            line = (await loop.run_in_executor(None, p.stdout.readline)).decode()  # type: ignore[union-attr]
            if not line.startswith("DONE"):
                raise RuntimeError(f"a child failed; see {self.logdir}")
            outs.append(json.loads(Path(self._out_of[p.pid]).read_text()))
        return outs

    async def storm(self, procs: list[subprocess.Popen[bytes]]) -> list[dict[str, Any]]:
        await self.ready(procs)
        return await self.go(procs)


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    import psutil

    out = {}
    for name, pid in pids.items():
        try:
            t = psutil.Process(pid).cpu_times()
            out[name] = t.user + t.system
        except psutil.Error:
            out[name] = float("nan")
    return out


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# -- orchestration --------------------------------------------------------------------------------------------
async def run(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    from _flashsale import pgref, redisref, stats
    from livecore.commerce.model import SaleSpec
    from livecore.commerce.sale_keys import SaleKeys
    from livecore.commerce.sales import SalesService
    from livecore.ranking.created import mark_created
    from livecore.runtime import open_runtime

    stack = await Stack.prepare(settings, "fs", "flashsale")
    cfg, logdir, pids, run_id, room = stack.cfg, stack.logdir, stack.pids, stack.run_id, f"flash-{stack.run_id}"
    children = Children(logdir, stack.env)
    children.procs = stack.procs  # the load generators are stopped with the rest
    report: dict[str, Any] = {"command": " ".join(["python", "bench/flashsale.py", *sys.argv[1:]]),
                              "buyers": args.buyers, "stock": args.stock, "attempts": args.attempts,
                              "gateways": args.gateways, "loadgen_procs": args.procs, "cpus": os.cpu_count(),
                              "loadavg_start": loadavg(), "logdir": str(logdir)}
    try:
        urls = await stack.start(args.gateways, ["orders"])
        async with open_runtime(cfg, db_max_size=2) as rt:
            info = await rt.redis.info("server")
            pids["redis"] = int(info["process_id"])
            await mark_created(rt.redis, rt.keys, [room])  # created, as POST /api/rooms would
            sales = SalesService(rt)
            now = int(time.time() * 1000)
            sale = await sales.create(room, SaleSpec(product="bench", price=100, quantity=args.stock,
                                                     per_user=1000, ends_at=now + 3_600_000), "bench")
            sid = sale["id"]
            per_buyer = split(args.attempts, args.buyers)
            specs = []
            for j in range(args.procs):
                idx = list(range(j, args.buyers, args.procs))
                specs.append({"urls": urls, "secret": cfg.secret, "room": room, "sale": sid,
                              "users": [f"b{i}" for i in idx], "attempts": {f"b{i}": per_buyer[i] for i in idx}})
            gens = children.start("buyers", specs)
            for j, g in enumerate(gens):
                pids[f"loadgen{j}"] = g.pid
            t_connect = time.monotonic()
            ready = await children.ready(gens)
            report["connect_s"] = round(time.monotonic() - t_connect, 2)
            report["loadavg_before_storm"] = loadavg()
            cpu0 = cpu_seconds(pids)  # around the storm only, not the joins
            outs = await children.go(gens)
            cpu1 = cpu_seconds(pids)
            report["loadavg_after_storm"] = loadavg()
            storm = stats.merge(outs)
            orders = storm.pop("orders")
            codes = storm.pop("codes")
            k = SaleKeys(rt.keys)
            await sales.close()
            stock = int(await rt.redis.get(k.stock(room, sid)))
            stream = [f[b"o"].decode() for _, f in await rt.redis.xrange(k.orders_stream(room))
                      if f.get(b"k") == b"order"]
            drain_started = time.monotonic()
            pg_orders = 0
            while time.monotonic() < drain_started + args.drain_timeout:
                pg_orders = await rt.db.fetchval("SELECT count(*) FROM orders WHERE sale_id = $1", sid)
                if pg_orders >= len(stream):
                    break
                await asyncio.sleep(0.2)
            report.update({
                **storm,
                "ready": ready,
                "connected": sum(o["connected"] for o in outs),
                "connect_failures": sum(o["n_connect_failures"] for o in outs),
                "lost_during_storm": sum(o["lost_during_storm"] for o in outs),
                "successes": codes.get("ok", 0), "refusals": {c: n for c, n in codes.items() if c != "ok"},
                "redis_stock_left": stock,
                "oversold": max(0, len(set(orders)) - args.stock) + max(0, -stock),
                "duplicate_orders": (len(orders) - len(set(orders))) + (len(stream) - len(set(stream))),
                "stream_orders": len(stream), "pg_orders": pg_orders,
                "pg_equals_redis_sold": pg_orders == args.stock - stock == len(set(orders)) == len(stream),
                "drain_s": round(time.monotonic() - drain_started, 2),
                "cpu_s_during_storm": {n: round(cpu1[n] - cpu0[n], 2) for n in pids},
            })
            if not args.no_references:
                report["redis_benchmark"] = await redisref.measure(
                    rt, cfg, args.redis_benchmark, f"ref-{run_id}", "ref", args.stock, args.attempts,
                    args.redis_clients, 1)
                if args.redis_pipeline > 1:
                    report["redis_benchmark_pipelined"] = await redisref.measure(
                        rt, cfg, args.redis_benchmark, f"refp-{run_id}", "refp", args.stock, args.attempts,
                        args.redis_clients, args.redis_pipeline)
                report["round_trip_floor"] = redisref.floor(args.redis_benchmark, cfg, args.buyers, args.attempts)
        if not args.no_references:
            report["postgres_only"] = await postgres_reference(args, cfg, children, pgref, stats)
            report.update(ratios(report))
        report["loadavg_end"] = loadavg()
    finally:
        await stack.stop()
    return report


async def postgres_reference(args: argparse.Namespace, cfg: Settings, children: Children, pgref: Any,
                             stats: Any) -> dict[str, Any]:
    from livecore.storage.db import connect

    n = args.pg_procs or args.gateways
    conn = await connect(cfg.database_url)
    try:
        await conn.execute(f'SET search_path TO "{cfg.database_schema}"')
        await pgref.prepare(conn, args.stock)
    finally:
        await conn.close()
    per_client = split(args.attempts, args.buyers)
    pools = split(args.pg_pool, n)
    specs = [{"dsn": cfg.database_url, "schema": cfg.database_schema, "pool": pools[j],
              "attempts": per_client[j::n]} for j in range(n)]
    outs = await children.storm(children.start("pg", specs))
    merged = stats.merge(outs)
    merged.pop("orders")
    codes = merged.pop("codes")
    merged.update({"successes": codes.get("ok", 0), "refusals": codes.get("sold_out", 0), "pool": args.pg_pool,
                   "procs": n, "clients": args.buyers, "statement": pgref.DECREMENT})
    return merged


def ratios(r: dict[str, Any]) -> dict[str, Any]:
    def ratio(a: float | None, b: float | None, scale: float = 1.0) -> float | None:
        return round(scale * a / b, 2) if a and b else None

    pg = r["postgres_only"]
    ceiling = (r.get("redis_benchmark") or {}).get("requests_per_s")
    piped = (r.get("redis_benchmark_pipelined") or {}).get("requests_per_s")
    floor = (r.get("round_trip_floor") or {}).get("requests_per_s")
    return {
        "x_postgres_only": ratio(r["attempts_per_s"], pg["attempts_per_s"]),
        "x_postgres_only_before_sell_out": ratio(r["attempts_per_s_before_sell_out"],
                                                 pg["attempts_per_s_before_sell_out"]),
        "pct_of_redis_ceiling": ratio(r["attempts_per_s"], ceiling, 100),
        "pct_of_redis_ceiling_pipelined": ratio(r["attempts_per_s"], piped, 100),
        "round_trip_floor_x_postgres_only": ratio(floor, pg["attempts_per_s"]),
        "pct_of_round_trip_floor": ratio(r["attempts_per_s"], floor, 100),
    }


def child(role: str, spec: dict[str, Any]) -> int:
    import uvloop

    if role == "buyers":
        from _flashsale.buyers import run as main_
    else:
        from _flashsale.pgref import run as main_
    result = uvloop.run(main_(spec))
    Path(spec["out"]).write_text(json.dumps(result))
    print("DONE", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child(args.child[0], json.loads(args.child[1]))
    settings = with_run_secrets(resolve(Settings.from_env()))
    if args.durability != "none":
        from _flashsale import durability

        both = asyncio.run(durability.compare(run, args, _compare.chosen(args, settings)))
        print(json.dumps(both, indent=2))
        if args.json:
            args.json.write_text(json.dumps(both, indent=2) + "\n")
        return 0 if durability.ok(both) else 1
    if args.sweep:
        report = asyncio.run(_sweep.sweep(transports, args, settings, "buyers", SWEPT, integer=True))
    else:
        report = asyncio.run(transports(args, settings))
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
        if args.sweep:
            pngs = _sweep.write(args.json, report, "attempts_per_s", "flash sale")
        else:
            pngs = [p for p in [_plots.write_latency(args.json, report, "flash sale: purchase round trip",
                                                     {"PostgreSQL only": "postgres_only"})] if p]
        print("plots:", ", ".join(map(str, pngs)), file=sys.stderr)
    steps = report["steps"] if args.sweep else [report]
    runs = [r for step in steps for r in _plots.runs_of(step).values()]
    ok = all(r["oversold"] == 0 and r["duplicate_orders"] == 0 and r["pg_equals_redis_sold"] for r in runs)
    return 0 if ok else 1


SWEPT = ("attempts_per_s", "attempts_per_s_before_sell_out", "p50_ms", "p99_ms", "oversold", "duplicate_orders")
COMPARED = ("attempts_per_s", "attempts_per_s_before_sell_out", "p50_ms", "p99_ms", "pct_of_round_trip_floor")


async def transports(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """One run on ``--transport``, or with ``--compare T`` a second one on T right after it, and the ratios."""
    if args.compare:
        return await _compare.compare(run, args, settings, COMPARED)
    report = await run(args, _compare.chosen(args, settings))
    report["transport"] = _compare.chosen(args, settings).gateway_transport
    return report


if __name__ == "__main__":
    sys.exit(main())
