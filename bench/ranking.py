"""Ranking aggregation benchmark: how many interactions per second the ranking workers aggregate, how long an
interaction takes to show in the rankings, and how much Redis memory a room costs.

    python bench/ranking.py --events 1000000 --rooms 1000 --workers 1 --json bench/out-ranking-w1.json

Two phases, over R rooms with a realistic mix (``livecore.ranking.mix``: skewed room popularity, mostly likes
and barrage, few gifts and orders, users repeating themselves):

1. **throughput**: E interactions are appended to the per-room streams first (a backlog), then W worker
   processes (``python -m livecore.workers.ranking``, the production worker) drain it; events/s is measured
   from the first aggregated entry to the last, from the workers' own ``{rank}:stats`` counter.
2. **lag**: with the workers running, interactions are appended live at ``--rate`` per second for
   ``--live-s`` seconds, plus 50 probe gifts per second (1 cent each) to 10 probe rooms; a poller watches
   the probe rooms' hourly-ranking totals (the last thing the worker writes, just before ``XACK``) and
   records append -> visible per probe.

Appends go through a bench-only Lua script that ``XADD``s (``MAXLEN ~``) a batch of encoded entries, so the
load generator is not the bottleneck on a 2-core machine; the entries are exactly what ``InteractionLog``
writes. Memory: ``MEMORY USAGE`` summed over the run's ranking keys (streams reported apart), per room.
CPU split of the drain: cores kept busy by each worker process (psutil) and by Redis (``INFO cpu``, the whole
server, so other clients of a shared Redis count too). With W > 1 the workers split the rooms between them
(``livecore.ranking.affinity``), so each room's batches stay whole.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _plots import PERCENTILES, write_latency  # noqa: E402
from livecore.config import Settings  # noqa: E402
from livecore.core import hourly  # noqa: E402
from livecore.interactions.model import Interaction, encoder  # noqa: E402
from livecore.keys import Keys  # noqa: E402
from livecore.ranking.mix import mix  # noqa: E402
from livecore.ranking.names import RankKeys  # noqa: E402
from livecore.runtime import drop_keys, redis_client  # noqa: E402
from livecore.secrets_check import with_run_secrets  # noqa: E402
from livecore.services.discover import resolve  # noqa: E402

BULK_XADD = """
local maxlen = ARGV[1]
for i = 2, #ARGV, 2 do
  redis.call('XADD', KEYS[tonumber(ARGV[i])], 'MAXLEN', '~', maxlen, '*', 'i', ARGV[i + 1])
end
return #ARGV / 2
"""
PROBE_ROOMS = [f"probe{i}" for i in range(10)]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


class Appender:
    def __init__(self, redis, names: RankKeys, maxlen: int) -> None:  # type: ignore[no-untyped-def]
        self.redis = redis
        self.names = names
        self.maxlen = maxlen
        self.script = redis.register_script(BULK_XADD)

    async def append(self, items: list[Interaction]) -> None:
        keys: dict[str, int] = {}
        args: list[object] = [self.maxlen]
        for it in items:
            k = self.names.stream(it.room)
            idx = keys.setdefault(k, len(keys) + 1)
            args += [idx, encoder.encode(it)]
        await self.script(keys=list(keys), args=args)


def start_workers(n: int, settings: Settings) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, **settings.env(), "LIVECORE_KEYWORD_REFRESH_S": "5", "PYTHONPATH": str(ROOT)}
    logs = Path(os.environ.get("TMPDIR", "/tmp"))
    return [subprocess.Popen([sys.executable, "-m", "livecore.workers.ranking"], env=env,
                             stdout=subprocess.DEVNULL,
                             stderr=open(logs / f"bench-ranking-worker{i}.log", "wb"))
            for i in range(n)]


async def redis_cpu_s(redis) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds (user + system) the Redis server has used so far (all of its clients, not only this run)."""
    info = await redis.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


async def script_calls(redis) -> int:  # type: ignore[no-untyped-def]
    """EVALSHA calls Redis has served so far: one ``ranking_apply`` per room batch, so per 1000 events this shows
    how whole the batches are (the whole server's count: other clients of a shared Redis add to it)."""
    stats = await redis.info("commandstats")
    return int(stats.get("cmdstat_evalsha", {}).get("calls", 0))


async def applied(redis, names: RankKeys) -> int:  # type: ignore[no-untyped-def]
    return int(await redis.hget(names.stats(), "applied") or 0)


async def memory(redis, prefix: str) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(bytes of ranking keys, bytes of interaction streams, number of ranking keys) of this run."""
    rank_bytes = stream_bytes = n = 0
    batch: list[bytes] = []

    async def flush() -> None:
        nonlocal rank_bytes, stream_bytes, n
        pipe = redis.pipeline(transaction=False)
        for k in batch:
            pipe.memory_usage(k, samples=0)
        for k, used in zip(batch, await pipe.execute(), strict=True):
            if k.endswith(b":ix"):
                stream_bytes += int(used or 0)
            else:
                rank_bytes += int(used or 0)
                n += 1
        batch.clear()

    async for key in redis.scan_iter(match=f"{prefix}:*", count=2000):
        batch.append(key)
        if len(batch) >= 1000:
            await flush()
    if batch:
        await flush()
    return rank_bytes, stream_bytes, n


async def cleanup(redis, prefix: str) -> None:  # type: ignore[no-untyped-def]
    await drop_keys(redis, prefix)


async def run(args: argparse.Namespace, base: Settings) -> dict[str, object]:
    prefix = "bench" + uuid.uuid4().hex[:8]
    settings = base.with_(key_prefix=prefix, interaction_maxlen=args.maxlen)
    redis = redis_client(settings.redis_url)
    names = RankKeys(Keys(prefix))
    appender = Appender(redis, names, args.maxlen)
    rooms = [f"room{i}" for i in range(args.rooms)]
    await redis.sadd(names.rooms(), *rooms, *PROBE_ROOMS)
    await redis.sadd(names.known(), *rooms, *PROBE_ROOMS)  # rooms the platform rankings may list
    rng = random.Random(args.seed)
    result: dict[str, object] = {"events": args.events, "rooms": args.rooms, "workers": args.workers,
                                 "cpus": os.cpu_count(), "load_avg_before": os.getloadavg()}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        # -- phase 1: backlog, then drain ------------------------------------------------------------
        t0 = time.perf_counter()
        start_ms = int(time.time() * 1000) - args.span_s * 1000
        chunk: list[Interaction] = []
        for it in mix(rng, rooms, args.events, start_ms, args.span_s * 1000, id_prefix="b"):
            chunk.append(it)
            if len(chunk) >= 5000:
                await appender.append(chunk)
                chunk = []
        if chunk:
            await appender.append(chunk)
        append_s = time.perf_counter() - t0
        result["append_events_per_s"] = round(args.events / append_s)
        print(f"appended {args.events} interactions over {args.rooms} rooms in {append_s:.1f}s", flush=True)

        procs = start_workers(args.workers, settings)
        ps = [psutil.Process(p.pid) for p in procs]
        first_t = first_n = None
        deadline = time.monotonic() + args.timeout_s
        while True:
            n = await applied(redis, names)
            now = time.perf_counter()
            if first_t is None and n > 0:
                first_t, first_n = now, n
                cpu0 = [sum(p.cpu_times()[:2]) for p in ps]
                rcpu0 = await redis_cpu_s(redis)
                calls0 = await script_calls(redis)
            if n >= args.events:
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"timeout: {n} of {args.events} aggregated")
            await asyncio.sleep(0.02)
        drain_s = now - (first_t or now)
        cpu1 = [sum(p.cpu_times()[:2]) for p in ps]
        rcpu1 = await redis_cpu_s(redis)
        calls1 = await script_calls(redis)
        counted = args.events - (first_n or 0)
        worker_cpu = [b - a for a, b in zip(cpu0, cpu1, strict=True)]
        result["throughput_events_per_s"] = round(counted / drain_s) if drain_s > 0 else None
        result["drain_s"] = round(drain_s, 2)
        result["worker_cpu_s_per_1k_events"] = round(sum(worker_cpu) / counted * 1000, 4)
        # the CPU split during the drain, in cores busy: each worker process, and Redis (whole server)
        result["worker_cores_busy"] = [round(c / drain_s, 2) for c in worker_cpu] if drain_s > 0 else None
        result["redis_cores_busy"] = round((rcpu1 - rcpu0) / drain_s, 2) if drain_s > 0 else None
        result["redis_cpu_s_per_1k_events"] = round((rcpu1 - rcpu0) / counted * 1000, 4)
        result["script_calls_per_1k_events"] = round((calls1 - calls0) / counted * 1000, 1)
        result["load_avg_during"] = os.getloadavg()
        print(f"aggregated {counted} in {drain_s:.2f}s: {result['throughput_events_per_s']} events/s "
              f"with {args.workers} worker process(es); cores busy: workers {result['worker_cores_busy']}, "
              f"redis {result['redis_cores_busy']}; "
              f"{result['script_calls_per_1k_events']} script calls per 1000 events",
              flush=True)

        # -- phase 2: live appends at a fixed rate, probes for lag --------------------------------------
        lags: list[float] = []
        sent: dict[str, list[float]] = {r: [] for r in PROBE_ROOMS}
        stop = asyncio.Event()

        async def poll() -> None:
            seen = {r: 0 for r in PROBE_ROOMS}
            while not stop.is_set() or any(seen[r] < len(sent[r]) for r in PROBE_ROOMS):
                hour = hourly.hour_of(int(time.time() * 1000))
                pipe = redis.pipeline(transaction=False)
                for r in PROBE_ROOMS:
                    pipe.zscore(names.hourly(hour), r)
                now = time.perf_counter()
                for r, score in zip(PROBE_ROOMS, await pipe.execute(), strict=True):
                    total = int(score or 0)
                    while seen[r] < min(total, len(sent[r])):
                        lags.append(now - sent[r][seen[r]])
                        seen[r] += 1
                if stop.is_set() and time.perf_counter() > stop_at + 10:
                    break
                await asyncio.sleep(0.005)

        stop_at = float("inf")
        poller = asyncio.create_task(poll())
        live_rng = random.Random(args.seed + 1)
        tick = 0.02
        per_tick = max(1, int(args.rate * tick))
        ticks = int(args.live_s / tick)
        began = time.perf_counter()
        for i in range(ticks):
            now_ms = int(time.time() * 1000)
            batch = list(mix(live_rng, rooms, per_tick, now_ms, 1, id_prefix=f"l{i}-"))
            probe_room = PROBE_ROOMS[i % len(PROBE_ROOMS)]
            batch.append(Interaction(id=f"probe{i}", kind="gift", room=probe_room, user="probe", ts=now_ms,
                                     value=1))
            sent[probe_room].append(time.perf_counter())
            await appender.append(batch)
            delay = began + (i + 1) * tick - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        live_s = time.perf_counter() - began
        stop_at = time.perf_counter()
        stop.set()
        await asyncio.wait_for(poller, 60)
        result["live_rate_offered"] = round(ticks * (per_tick + 1) / live_s)
        result["lag_probes"] = len(lags)
        result["lag_p50_ms"] = round(percentile(lags, 50) * 1000, 1)
        result["lag_p99_ms"] = round(percentile(lags, 99) * 1000, 1)
        result["lag_max_ms"] = round(max(lags) * 1000, 1) if lags else None
        result["latency_percentiles_ms"] = ([[q, round(percentile(lags, q) * 1000, 3)] for q in PERCENTILES]
                                            + [[100.0, round(max(lags) * 1000, 3)]]) if lags else []
        print(f"live: {result['live_rate_offered']} events/s offered for {live_s:.1f}s; append->visible "
              f"p50 {result['lag_p50_ms']} ms, p99 {result['lag_p99_ms']} ms, max {result['lag_max_ms']} ms "
              f"({len(lags)} probes)", flush=True)

        rank_bytes, stream_bytes, nkeys = await memory(redis, prefix)
        result["ranking_bytes_per_room"] = round(rank_bytes / args.rooms)
        result["stream_bytes_per_room"] = round(stream_bytes / args.rooms)
        result["ranking_keys"] = nkeys
        print(f"redis memory per room: {rank_bytes / args.rooms / 1024:.1f} KiB of ranking keys "
              f"({nkeys} keys in all), {stream_bytes / args.rooms / 1024:.1f} KiB of interaction stream", flush=True)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        await cleanup(redis, prefix)
        await redis.aclose()
    result["load_avg_after"] = os.getloadavg()
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--rooms", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--rate", type=int, default=20_000, help="live-phase appends per second")
    ap.add_argument("--live-s", type=float, default=10.0)
    ap.add_argument("--span-s", type=int, default=0,
                    help="backlog timestamps spread over this many seconds (default: events / 50000)")
    ap.add_argument("--maxlen", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout-s", type=float, default=600)
    args = ap.parse_args()
    args.span_s = args.span_s or max(1, args.events // 50_000)
    result = asyncio.run(run(args, with_run_secrets(resolve(Settings.from_env()))))
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        png = write_latency(args.json, result, "ranking: append -> visible in the rank (live phase)")
        print(f"plot: {png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
