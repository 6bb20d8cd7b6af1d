"""The phases of one benchmark invocation: start servers, connect clients, measure a window, collect.

Timeline of a phase (wall clock, announced to every process in advance so that nobody depends on
command latency):

    connect everyone ... ready -> +1 s senders start -> +warm-up: t0 -- measured window -- t1 -> drain -> reports

Counts that decide pass/fail are taken by *send time* (barrage carries it, gifts by offset), so events in
flight at t0 or t1 are neither lost nor double-counted; frames and CPU are taken by *time of receipt*
between t0 and t1.
"""

from __future__ import annotations

import asyncio
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .procs import JsonChild, Measured, find_listener, free_port, start_server


@dataclass
class Plan:
    viewers: int
    rate: float
    seconds: float
    gateways: int
    gift_rate: float
    warmup: float
    drain: float
    probes: int
    procs: int
    senders: int
    gifters: int
    budget: float
    chat_rate: float
    gift: str
    room: str
    run_id: str
    secret: str
    logdir: Path
    concurrency: int = 48
    stages: int = 20  # viewer processes join in this many steps together, so probes are spread in the list
    heartbeat_s: float = 20.0
    gateway_procs: int = 1  # processes per started gateway (SO_REUSEPORT); their CPU and RSS are summed


@dataclass
class Clients:
    probes: JsonChild
    drainers: list[JsonChild]
    senders: JsonChild | None
    ready: list[dict[str, Any]] = field(default_factory=list)

    @property
    def all(self) -> list[JsonChild]:
        return [self.probes, *self.drainers, *([self.senders] if self.senders else [])]


def split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


async def connect_clients(plan: Plan, targets: list[dict[str, Any]], tag: str, with_senders: bool) -> Clients:
    """Probes in a process of their own (their latency must not wait behind thousands of drainers)."""
    common = {"targets": targets, "room": plan.room, "secret": plan.secret, "run_id": plan.run_id,
              "concurrency": plan.concurrency, "heartbeat_s": plan.heartbeat_s}
    common["stages"] = plan.stages
    probes = await JsonChild.loadgen(f"{tag}-probes", {**common, "role": "probes", "first": 0,
                                                       "count": plan.probes}, plan.logdir / f"{tag}-probes.log")
    drainers = []
    first = plan.probes
    for i, count in enumerate(split(plan.viewers - plan.probes, plan.procs)):
        if count:
            drainers.append(await JsonChild.loadgen(
                f"{tag}-drain{i}", {**common, "role": "drainers", "first": first, "count": count},
                plan.logdir / f"{tag}-drain{i}.log"))
        first += count
    senders = None
    if with_senders:
        senders = await JsonChild.loadgen(
            f"{tag}-senders", {**common, "role": "senders", "senders": plan.senders, "gifters": plan.gifters,
                               "gift": plan.gift}, plan.logdir / f"{tag}-senders.log")
    clients = Clients(probes, drainers, senders)
    timeout = 60.0 + plan.viewers / 50.0
    try:
        viewers = [probes, *drainers]
        if plan.stages > 1:
            for _ in range(plan.stages):
                for child in viewers:
                    child.send({"cmd": "connect"})
                await asyncio.gather(*(child.expect("staged", timeout) for child in viewers))
        clients.ready = list(await asyncio.gather(*(c.expect("ready", timeout) for c in clients.all)))
    except BaseException:
        await stop_clients(clients)
        raise
    return clients


async def stop_clients(clients: Clients) -> None:
    await asyncio.gather(*(c.stop() for c in clients.all), return_exceptions=True)


async def sleep_until(wall: float) -> None:
    await asyncio.sleep(max(0.0, wall - time.time()))


async def measure(plan: Plan, clients: Clients, servers: list[Measured], *, send_start: float, t0: float,
                  t1: float) -> dict[str, Any]:
    for c in clients.all:
        c.send({"cmd": "window", "t0": t0, "t1": t1})
    if clients.senders is not None:
        clients.senders.send({"cmd": "send", "start": send_start, "stop": t1, "rate": plan.rate,
                              "gift_rate": plan.gift_rate})
    loadgens = [Measured(c.name, c.proc.pid) for c in clients.all]
    await sleep_until(t0)
    cpu0 = [s.cpu_s() for s in servers]
    client0 = sum(m.cpu_s() for m in loadgens)
    rss0 = [s.rss() for s in servers]
    load0 = os.getloadavg()[0]
    await sleep_until(t1)
    cpu1 = [s.cpu_s() for s in servers]
    client1 = sum(m.cpu_s() for m in loadgens)
    load1 = os.getloadavg()[0]
    await asyncio.sleep(plan.drain)
    reports = await asyncio.gather(*(c.ask({"cmd": "report"}, "report", 60.0 + plan.viewers / 200.0)
                                     for c in clients.all))
    return {
        "window": [t0, t1],
        "cpu_s": [b - a for a, b in zip(cpu0, cpu1, strict=True)],
        "client_cpu_s": client1 - client0,
        "rss_t0": rss0,
        "loadavg_1m": [load0, load1],
        "probes": reports[0],
        "drainers": reports[1:1 + len(clients.drainers)],
        "senders": reports[-1] if clients.senders is not None else None,
    }


async def gateway_phase(plan: Plan, settings_env: dict[str, str], urls: list[str]) -> dict[str, Any]:
    servers: list[Measured] = []
    targets: list[dict[str, Any]] = []
    if urls:
        for i, url in enumerate(urls):
            host, port, path = parse_ws_url(url)
            targets.append({"host": host, "port": port, "path": path})
            pid = find_listener(port)
            if pid is not None:
                servers.append(Measured(f"gateway{i}", pid))
    else:
        for i in range(plan.gateways):
            port = free_port()
            # every simulated viewer connects from 127.0.0.1: lift the per-address cap (4507) for the bench
            env = {**settings_env, "LIVECORE_NODE_ID": f"fanout-{plan.run_id}-{i}",
                   "LIVECORE_MAX_CONNECTIONS_PER_ADDRESS": "0"}
            servers.append(await start_server(
                f"gateway{i}", [sys.executable, "-m", "livecore", "gateway", "--procs", str(plan.gateway_procs),
                                "--host", "127.0.0.1", "--port", str(port)], port, plan.logdir / f"gateway{i}.log",
                env))
            targets.append({"host": "127.0.0.1", "port": port, "path": "/ws"})
    measured_all = len(servers) == len(targets)
    try:
        rss_idle = [s.rss() for s in servers]
        clients = await connect_clients(plan, targets, "gw", with_senders=True)
        try:
            now = time.time()
            send_start = now + 1.0
            t0 = math.ceil(send_start + plan.warmup)  # whole second: the budget's slices align with it
            result = await measure(plan, clients, servers, send_start=send_start, t0=t0, t1=t0 + plan.seconds)
        finally:
            await stop_clients(clients)
    finally:
        stopping = time.monotonic()
        exit_codes = [await s.terminate() for s in servers]
        stop_s = time.monotonic() - stopping
    result.update(ready=clients.ready, rss_idle=rss_idle, targets=targets, measured_all=measured_all,
                  exit_codes=exit_codes, stop_s=stop_s)
    return result


async def baseline_phase(plan: Plan, redis_url: str, channel: str, frame_rate: float,
                         frame_bytes: int, server_module: str = "baseline") -> dict[str, Any]:
    """A bare server (``_fanout.baseline``: websockets.broadcast; ``_fanout.floor``: picows writing one encoded
    frame to every socket), the same viewers, fed ``frame_rate`` frames/s of ``frame_bytes``."""
    from redis.asyncio import Redis

    from .baseline import feed

    port = free_port()
    server = await start_server(server_module, [sys.executable, "-m", f"_fanout.{server_module}", "--port",
                                                str(port), "--redis", redis_url, "--channel", channel],
                                port, plan.logdir / f"{server_module}.log", {})
    redis = Redis.from_url(redis_url)
    try:
        rss_idle = [server.rss()]
        target = [{"host": "127.0.0.1", "port": port, "path": "/ws"}]
        clients = await connect_clients(plan, target, "base", with_senders=False)
        try:
            now = time.time()
            start = now + 1.0
            t0 = start + plan.warmup
            t1 = t0 + plan.seconds
            feeder = asyncio.create_task(feed(redis, channel, start, t1, frame_rate, frame_bytes))
            result = await measure(plan, clients, [server], send_start=start, t0=t0, t1=t1)
            result["fed"] = await feeder
        finally:
            await stop_clients(clients)
    finally:
        await redis.aclose()
        exit_code = await server.terminate()
    result.update(ready=clients.ready, rss_idle=rss_idle, exit_codes=[exit_code])
    return result


def parse_ws_url(url: str) -> tuple[str, int, str]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme != "ws" or not parts.hostname:
        raise ValueError(f"not a ws:// URL: {url}")
    return parts.hostname, parts.port or 80, parts.path or "/ws"


def default_probes(viewers: int) -> int:
    return min(viewers, max(20, math.ceil(viewers * 0.01)))


def default_procs(viewers: int) -> int:
    """One drainer process per 5000 viewers: fewer processes cost less CPU (measured 0.33 core for 2 x 5000
    against 0.42 for 4 x 2500 at 40k frames/s), and 5000 sockets stay far below the open-file limit."""
    return max(1, min(8, math.ceil(viewers / 5000)))
