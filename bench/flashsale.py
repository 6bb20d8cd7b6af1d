#!/usr/bin/env python
"""Flash-sale benchmark: K buyer connections storm one sale through the gateways.

    python bench/flashsale.py --buyers 2000 --stock 10000 --attempts 200000 --gateways 2 --json out.json

It starts G ``livecore gateway`` processes and one ``livecore worker --only orders``, creates a sale of
``--stock`` units (per-user limit high enough that the stock can sell out), opens K WebSocket buyers from
``--procs`` load-generator processes (each buyer joins the room, then sends ``buy`` messages one after the other
with fresh idempotency keys until the attempts are spent), and reports attempts/s, successes, p50/p99 latency,
oversold units, duplicate orders and the PostgreSQL order count once the worker has drained.

Two references run in the same invocation:
* ``redis-benchmark`` calling the same ``sale_buy`` script by EVALSHA on the same Redis (the ceiling:
  no Python, no WebSocket), ``--attempts`` calls from 50 clients, on a separate sale of the same stock;
* the PostgreSQL-only design, ``UPDATE stock SET stock = stock - 1 WHERE id = $1 AND stock >= 1``, driven by
  ``min(K, --pg-clients)`` connections for ``--pg-attempts`` attempts (the server's connection limit caps it).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from livecore.config import Settings  # noqa: E402
from livecore.services.discover import resolve  # noqa: E402
from livecore.services.ports import answers, free_port  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--buyers", type=int, default=200)
    p.add_argument("--stock", type=int, default=1000)
    p.add_argument("--attempts", type=int, default=10000)
    p.add_argument("--gateways", type=int, default=1)
    p.add_argument("--procs", type=int, default=0, help="load-generator processes (default 1 per 1000 buyers)")
    p.add_argument("--pg-clients", type=int, default=64)
    p.add_argument("--pg-attempts", type=int, default=0, help="default: --attempts")
    p.add_argument("--redis-benchmark", default=shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark")
    p.add_argument("--drain-timeout", type=float, default=300.0)
    p.add_argument("--json", type=Path)
    p.add_argument("--loadgen", help=argparse.SUPPRESS)  # internal: run as a load generator with this JSON spec
    return p.parse_args(argv)


# -- load generator (child process) ------------------------------------------------------------------------
async def loadgen(spec: dict[str, Any]) -> dict[str, Any]:
    from livecore.auth import issue
    from livecore.client import LiveClient
    from livecore.protocol import client as c
    from livecore.protocol.server import Result

    clients: list[tuple[str, Any]] = []
    gate = asyncio.Semaphore(20)  # joins in flight per load generator (a gateway's Redis pool holds 100)

    async def connect(i: int, user: str) -> None:
        url = spec["urls"][i % len(spec["urls"])]
        cl = LiveClient(url, issue(spec["secret"], user), reconnect=False, heartbeat_s=20)
        async with gate:
            await cl.connect()
            await cl.join(spec["room"])
        clients.append((user, cl))

    await asyncio.gather(*(connect(i, u) for i, u in enumerate(spec["users"])))
    print("READY", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "GO"
    latencies: list[float] = []
    codes: collections.Counter[str] = collections.Counter()
    orders: list[str] = []
    per_buyer = spec["attempts_per_buyer"]

    async def drain(cl: Any) -> None:  # keep reading frames so the gateway never sees a slow consumer
        while await cl.next() is not None:
            pass

    async def storm(user: str, cl: Any, n: int) -> None:
        for i in range(n):
            t = time.perf_counter()
            answer = await cl.request(c.Buy(sale=spec["sale"], key=f"{user}-{i}"), timeout=60)
            latencies.append(time.perf_counter() - t)
            if isinstance(answer, Result):
                codes["ok"] += 1
                orders.append(answer.data["order"])
            else:
                codes[answer.code] += 1

    readers = [asyncio.create_task(drain(cl)) for _, cl in clients]
    started = time.time()
    await asyncio.gather(*(storm(u, cl, per_buyer[u]) for u, cl in clients))
    ended = time.time()
    for _, cl in clients:
        await cl.close()
    for r in readers:
        r.cancel()
    return {"started": started, "ended": ended, "codes": dict(codes), "orders": orders, "latencies": latencies}


# -- orchestration --------------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def run(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    import asyncpg

    from livecore.commerce.model import SaleSpec
    from livecore.commerce.sale_keys import SaleKeys
    from livecore.commerce.sales import SalesService
    from livecore.runtime import open_runtime
    from livecore.storage.db import connect
    from livecore.storage.migrate import migrate

    run_id = uuid.uuid4().hex[:8]
    prefix, schema, room = f"{settings.key_prefix}fs{run_id}", f"bench_fs_{run_id}", f"flash-{run_id}"
    cfg = settings.with_(key_prefix=prefix, database_schema=schema)
    env = {**os.environ, **cfg.env()}
    logdir = Path(tempfile.mkdtemp(prefix=f"flashsale-{run_id}-"))
    conn = await connect(cfg.database_url)
    await migrate(conn, schema)
    await conn.close()
    procs: list[subprocess.Popen[bytes]] = []
    report: dict[str, Any] = {"command": " ".join(["python", "bench/flashsale.py", *sys.argv[1:]]),
                              "buyers": args.buyers, "stock": args.stock, "attempts": args.attempts,
                              "gateways": args.gateways, "cpus": os.cpu_count(), "logdir": str(logdir)}
    try:
        ports = [free_port() for _ in range(args.gateways)]
        for i, port in enumerate(ports):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "livecore", "gateway", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT,
                env={**env, "LIVECORE_NODE_ID": f"fs-{run_id}-{i}"}, stdout=subprocess.DEVNULL,
                stderr=open(logdir / f"gateway{i}.log", "wb")))
        procs.append(subprocess.Popen([sys.executable, "-m", "livecore", "worker", "--only", "orders",
                                       "--name", f"fs-{run_id}"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                      stderr=open(logdir / "worker.log", "wb")))
        deadline = time.monotonic() + 30
        while not all(answers("127.0.0.1", p) for p in ports):
            if time.monotonic() > deadline:
                raise RuntimeError(f"gateways did not start; see {logdir}")
            await asyncio.sleep(0.1)
        async with open_runtime(cfg, db_max_size=2) as rt:
            sales = SalesService(rt)
            now = int(time.time() * 1000)
            sale = await sales.create(room, SaleSpec(product="bench", price=100, quantity=args.stock,
                                                     per_user=1000, ends_at=now + 3_600_000), "bench")
            sid = sale["id"]
            users = [f"b{i}" for i in range(args.buyers)]
            per_buyer = {u: args.attempts // args.buyers + (1 if i < args.attempts % args.buyers else 0)
                         for i, u in enumerate(users)}
            n_procs = args.procs or max(1, (args.buyers + 999) // 1000)
            urls = [f"ws://127.0.0.1:{p}/ws" for p in ports]
            gens = []
            for j in range(n_procs):
                spec = {"urls": urls, "secret": cfg.secret, "room": room, "sale": sid,
                        "users": users[j::n_procs], "attempts_per_buyer": per_buyer}
                gens.append(subprocess.Popen([sys.executable, __file__, "--loadgen", json.dumps(spec)], cwd=ROOT,
                                             env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=open(logdir / f"loadgen{j}.log", "wb")))
            procs.extend(gens)
            loop = asyncio.get_running_loop()
            for g in gens:
                line = await loop.run_in_executor(None, g.stdout.readline)  # type: ignore[union-attr]
                if line.strip() != b"READY":
                    raise RuntimeError(f"a load generator failed to connect; see {logdir}")
            for g in gens:
                g.stdin.write(b"GO\n")  # type: ignore[union-attr]
                g.stdin.flush()  # type: ignore[union-attr]
            outs = [json.loads(await loop.run_in_executor(None, g.stdout.read)) for g in gens]  # type: ignore[union-attr]
            wall = max(o["ended"] for o in outs) - min(o["started"] for o in outs)
            codes: collections.Counter[str] = collections.Counter()
            for o in outs:
                codes.update(o["codes"])
            orders = [oid for o in outs for oid in o["orders"]]
            lat = [x for o in outs for x in o["latencies"]]
            k = SaleKeys(rt.keys)
            await sales.close()
            stock = int(await rt.redis.get(k.stock(room, sid)))
            stream = [f[b"o"].decode() for _, f in await rt.redis.xrange(k.orders_stream(room))
                      if f.get(b"k") == b"order"]
            drained_at = time.monotonic() + args.drain_timeout
            pg_orders = 0
            drain_started = time.monotonic()
            while time.monotonic() < drained_at:
                pg_orders = await rt.db.fetchval("SELECT count(*) FROM orders WHERE sale_id = $1", sid)
                if pg_orders >= len(stream):
                    break
                await asyncio.sleep(0.2)
            report.update({
                "attempts_done": len(lat), "wall_s": round(wall, 3),
                "attempts_per_s": round(len(lat) / wall, 1),
                "successes": codes.get("ok", 0), "refusals": {c: n for c, n in codes.items() if c != "ok"},
                "p50_ms": round(percentile(lat, 0.5) * 1000, 2), "p99_ms": round(percentile(lat, 0.99) * 1000, 2),
                "redis_stock_left": stock,
                "oversold": max(0, len(set(orders)) - args.stock) + max(0, -stock),
                "duplicate_orders": (len(orders) - len(set(orders))) + (len(stream) - len(set(stream))),
                "stream_orders": len(stream), "pg_orders": pg_orders,
                "pg_equals_redis_sold": pg_orders == args.stock - stock == len(set(orders)),
                "drain_s": round(time.monotonic() - drain_started, 2),
            })
            report["redis_benchmark"] = await redis_reference(args, rt, cfg, run_id)
        report["postgres_only"] = await postgres_reference(args, cfg, asyncpg)
        ceiling = report["redis_benchmark"].get("requests_per_s") or 0
        pg_rate = report["postgres_only"]["attempts_per_s"]
        report["x_postgres_only"] = round(report["attempts_per_s"] / pg_rate, 1) if pg_rate else None
        report["pct_of_redis_ceiling"] = round(100 * report["attempts_per_s"] / ceiling, 1) if ceiling else None
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        await cleanup(cfg, prefix, schema)
    return report


async def redis_reference(args: argparse.Namespace, rt: Any, cfg: Settings, run_id: str) -> dict[str, Any]:
    """``redis-benchmark`` EVALSHA of sale_buy on a sale of the same stock (random users, keys, order ids)."""
    from livecore.commerce.sale_keys import SaleKeys

    k = SaleKeys(rt.keys)
    room, sid = f"ref-{run_id}", "ref"
    now = int(time.time() * 1000)
    await rt.scripts.call("sale_create", keys=[k.sale(room, sid), k.stock(room, sid), k.room_sales(room)],
                          args=[sid, args.stock, "room", room, "product", "bench", "sku", "", "title", "", "price", 100,
                                "per_user", 1000, "starts_at", now - 1000, "ends_at", now + 3_600_000])
    sha = rt.scripts.get("sale_buy").sha
    if not sha:
        sha = await rt.redis.script_load(rt.scripts.get("sale_buy").script)
    keys = [k.sale(room, sid), k.stock(room, sid), k.users(room, sid), k.idem(room, sid, "u__rand_int__", "k"),
            k.order(room, f"{room}.o__rand_int__"), k.orders_stream(room), k.buyers(room), k.sale_orders(room, sid),
            k.deadlines(room), rt.keys.interactions(room)]
    argv = [sid, "u__rand_int__", "1", str(now), f"{room}.o__rand_int__", "600", str(cfg.order_stream_maxlen),
            "3600", "900000", room, str(cfg.interaction_maxlen)]
    host, port = cfg.redis_url.split("//", 1)[1].split("/", 1)[0].split(":")
    cmd = [args.redis_benchmark, "-h", host, "-p", port, "-c", "50", "-n", str(args.attempts), "-r", "1000000000",
           "--csv", "EVALSHA", sha, "10", *keys, *argv]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    rps = None
    for line in done.stdout.splitlines():
        parts = [p.strip('"') for p in line.split(",")]
        if parts and parts[0].startswith("EVALSHA"):
            rps = float(parts[1])
    sold = await rt.redis.hget(k.sale(room, sid), "sold")
    return {"requests_per_s": rps, "clients": 50, "calls": args.attempts, "sold": int(sold or 0),
            "command": " ".join(cmd[:9]) + " EVALSHA <sale_buy sha> 10 <keys> <args>",
            "stderr": done.stderr[-500:]}


async def postgres_reference(args: argparse.Namespace, cfg: Settings, asyncpg: Any) -> dict[str, Any]:
    clients = min(args.buyers, args.pg_clients)
    attempts = args.pg_attempts or args.attempts
    pool = await asyncpg.create_pool(cfg.database_url, min_size=clients, max_size=clients,
                                     server_settings={"search_path": cfg.database_schema})
    try:
        await pool.execute("CREATE TABLE bench_stock (id integer PRIMARY KEY, stock integer NOT NULL)")
        await pool.execute("INSERT INTO bench_stock VALUES (1, $1)", args.stock)
        sold = 0
        lat: list[float] = []

        async def worker(n: int) -> None:
            nonlocal sold
            async with pool.acquire() as conn:
                stmt = await conn.prepare("UPDATE bench_stock SET stock = stock - 1 WHERE id = $1 AND stock >= 1 "
                                          "RETURNING stock")
                for _ in range(n):
                    t = time.perf_counter()
                    if await stmt.fetchval(1) is not None:
                        sold += 1
                    lat.append(time.perf_counter() - t)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(attempts // clients + (1 if i < attempts % clients else 0))
                               for i in range(clients)))
        wall = time.perf_counter() - t0
        return {"clients": clients, "attempts": attempts, "successes": sold, "wall_s": round(wall, 3),
                "attempts_per_s": round(attempts / wall, 1), "p50_ms": round(percentile(lat, 0.5) * 1000, 2),
                "p99_ms": round(percentile(lat, 0.99) * 1000, 2),
                "statement": "UPDATE bench_stock SET stock = stock - 1 WHERE id = $1 AND stock >= 1"}
    finally:
        await pool.close()


async def cleanup(cfg: Settings, prefix: str, schema: str) -> None:
    from redis.asyncio import Redis

    from livecore.storage.db import connect

    redis = Redis.from_url(cfg.redis_url)
    try:
        batch = [key async for key in redis.scan_iter(match=f"{prefix}:*", count=1000)]
        for i in range(0, len(batch), 500):
            await redis.delete(*batch[i:i + 500])
    finally:
        await redis.aclose()
    conn = await connect(cfg.database_url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.loadgen:
        result = asyncio.run(loadgen(json.loads(args.loadgen)))
        sys.stdout.write(json.dumps(result))
        return 0
    settings = resolve(Settings.from_env())
    report = asyncio.run(run(args, settings))
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    ok = report["oversold"] == 0 and report["duplicate_orders"] == 0 and report["pg_equals_redis_sold"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
