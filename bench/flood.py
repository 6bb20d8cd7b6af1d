#!/usr/bin/env python
"""Flood benchmark: another viewer's frame delay while one token floods the gateway and the API.

    python bench/flood.py --sockets 2000 --requests 1500 --json out.json

Starts one gateway and one API process on their own key prefix and database schema. A *watcher* viewer and a
*sender* viewer join a room; the sender sends a barrage every 100 ms carrying its clock, and the watcher
records each one's delay (sender clock -> watcher receipt, the merge tick included). After a quiet phase, a
*flooder* process holding one viewer token opens ``--sockets`` WebSockets (each joins the room and drains
what it gets) and sends ``--requests`` API writes (purchases on a running sale, 50 in flight) at once. The
report gives the watcher's delay percentiles in the quiet phase and during the flood, and what the flooder
got: sockets accepted / refused / closed by the gateway, API answers by status.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import msgspec
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from livecore.auth import issue  # noqa: E402
from livecore.protocol import client as c  # noqa: E402
from livecore.protocol.codec import encode  # noqa: E402

ROOM = "flood"
PREFIX = "flood:"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(delays: list[float]) -> dict[str, float]:
    return {"n": len(delays), "p50_ms": round(pct(delays, 0.5), 1), "p99_ms": round(pct(delays, 0.99), 1),
            "max_ms": round(max(delays, default=float("nan")), 1),
            "mean_ms": round(statistics.fmean(delays), 1) if delays else float("nan")}


# -- the flooder (a child process) -------------------------------------------------------------------------
async def flood(cfg: dict[str, Any]) -> dict[str, Any]:
    url, api, token, sockets, requests = cfg["url"], cfg["api"], cfg["token"], cfg["sockets"], cfg["requests"]
    out: dict[str, Any] = {"accepted": 0, "refused": {}, "closed": {}, "http": {}}
    conns: list[Any] = []
    readers: list[asyncio.Task[None]] = []

    async def drain(ws: Any) -> None:
        try:
            async for _ in ws:
                pass
        except ConnectionClosed:
            pass
        code = ws.close_code
        out["closed"][str(code)] = out["closed"].get(str(code), 0) + 1

    async def one_socket() -> None:
        try:
            ws = await connect(f"{url}?token={token}", compression=None, open_timeout=30, max_size=None)
        except InvalidStatus as exc:
            key = str(exc.response.status_code)
            out["refused"][key] = out["refused"].get(key, 0) + 1
            return
        except (OSError, TimeoutError) as exc:
            key = type(exc).__name__
            out["refused"][key] = out["refused"].get(key, 0) + 1
            return
        out["accepted"] += 1
        conns.append(ws)
        with contextlib.suppress(ConnectionClosed):
            await ws.send(encode(c.Join(room=ROOM)).decode())
        readers.append(asyncio.get_running_loop().create_task(drain(ws)))

    async def api_writes() -> None:
        sem = asyncio.Semaphore(50)
        async with httpx.AsyncClient(base_url=api, timeout=30,
                                     headers={"Authorization": f"Bearer {token}"}) as http:
            async def one(i: int) -> None:
                async with sem:
                    try:
                        r = await http.post(f"/api/rooms/{ROOM}/sales/s1/buy", json={"key": f"k{i}"})
                        key = str(r.status_code)
                    except httpx.HTTPError as exc:
                        key = type(exc).__name__
                    out["http"][key] = out["http"].get(key, 0) + 1
            await asyncio.gather(*(one(i) for i in range(requests)))

    t0 = time.monotonic()
    sem = asyncio.Semaphore(200)

    async def guarded() -> None:
        async with sem:
            await one_socket()

    async def timed(name: str, work: Any) -> None:
        await work
        out[f"{name}_s"] = round(time.monotonic() - t0, 2)

    await asyncio.gather(timed("sockets", asyncio.gather(*(guarded() for _ in range(sockets)))),
                         timed("requests", api_writes()))
    out["flood_s"] = round(time.monotonic() - t0, 2)
    await asyncio.sleep(cfg["hold"])
    for ws in conns:
        await ws.close()
    await asyncio.gather(*readers, return_exceptions=True)
    return out


# -- the orchestrator -----------------------------------------------------------------------------------
class Watcher:
    def __init__(self) -> None:
        self.delays: list[tuple[float, float]] = []  # (receipt wall time, delay ms)

    async def run(self, url: str, token: str, ready: asyncio.Event) -> None:
        dec = msgspec.json.Decoder()
        async with connect(f"{url}?token={token}", compression=None, max_size=None) as ws:
            await ws.send(encode(c.Join(room=ROOM)).decode())
            ready.set()
            async for raw in ws:
                now = time.time()
                msg = dec.decode(raw)
                if msg.get("type") != "frame":
                    continue
                for event in msg.get("events", []):
                    text = event.get("text", "") if isinstance(event, dict) else ""
                    if event.get("type") == "chat" and text.startswith(PREFIX):
                        self.delays.append((now, (now - float(text[len(PREFIX):])) * 1000))

    def between(self, start: float, end: float) -> list[float]:
        return [d for t, d in self.delays if start <= t < end]


async def sender(url: str, token: str, stop: asyncio.Event) -> None:
    async with connect(f"{url}?token={token}", compression=None) as ws:
        await ws.send(encode(c.Join(room=ROOM)).decode())
        await asyncio.sleep(0.2)

        async def drain() -> None:
            async for _ in ws:
                pass
        reader = asyncio.get_running_loop().create_task(drain())
        while not stop.is_set():
            await ws.send(encode(c.Chat(text=f"{PREFIX}{time.time():.6f}")).decode())
            await asyncio.sleep(0.1)
        reader.cancel()


async def wait_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.close()
            return
        except OSError:
            await asyncio.sleep(0.2)
    raise TimeoutError(f"nothing listens on {port}")


async def orchestrate(args: argparse.Namespace) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:8]
    secret = secrets.token_hex(24)
    gw_port, api_port = free_port(), free_port()
    env = dict(os.environ, LIVECORE_KEY_PREFIX=f"lcflood{run_id}", LIVECORE_DATABASE_SCHEMA=f"flood_{run_id}",
               LIVECORE_SECRET=secret, LIVECORE_PAYMENT_SECRET=secrets.token_hex(24), LIVECORE_CHAT_RATE="20",
               LIVECORE_CHAT_BURST="40", PYTHONPATH=str(ROOT))
    logdir = Path(tempfile.mkdtemp(prefix=f"flood-{run_id}-"))
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str, port: int) -> None:
        with open(logdir / f"{name}.log", "wb") as log:
            extra = ["--procs", "1"] if name == "gateway" else []  # one process: its CPU is what is measured
            procs.append(subprocess.Popen([sys.executable, "-m", "livecore", name, "--port", str(port), *extra],
                                          env=env, stdout=log, stderr=subprocess.STDOUT))
    try:
        start("api", api_port)  # first: it creates the database and the schema
        await wait_port(api_port, 60)
        start("gateway", gw_port)
        await wait_port(gw_port, 60)
        url, api = f"ws://127.0.0.1:{gw_port}/ws", f"http://127.0.0.1:{api_port}"
        host = issue(secret, "flood-host", role="host", room=ROOM)
        now_ms = int(time.time() * 1000)
        async with httpx.AsyncClient(base_url=api, headers={"Authorization": f"Bearer {host}"}) as http:
            for _ in range(50):
                try:
                    (await http.post("/api/rooms", json={"id": ROOM, "title": "flood"})).raise_for_status()
                    r = await http.post(f"/api/rooms/{ROOM}/sales", json={
                        "id": "s1", "product": "p1", "price": 100, "quantity": 1_000_000, "per_user": 1000,
                        "ends_at": now_ms + 3_600_000})
                    break
                except httpx.HTTPError:
                    await asyncio.sleep(0.2)
            r.raise_for_status()
        watcher = Watcher()
        ready, stop = asyncio.Event(), asyncio.Event()
        loop = asyncio.get_running_loop()
        wtask = loop.create_task(watcher.run(url, issue(secret, "watcher"), ready))
        await ready.wait()
        stask = loop.create_task(sender(url, issue(secret, "sender"), stop))
        await asyncio.sleep(1.0)
        quiet_from, load_quiet = time.time(), load()
        await asyncio.sleep(args.quiet)
        quiet_to = time.time()
        cfg = {"url": url, "api": api, "token": issue(secret, "flooder"), "sockets": args.sockets,
               "requests": args.requests, "hold": args.hold}
        load_before_flood = load()
        child = await asyncio.create_subprocess_exec(sys.executable, __file__, "--flooder", json.dumps(cfg),
                                                     stdout=asyncio.subprocess.PIPE, env=env)
        flood_from = time.time()
        out, _ = await child.communicate()
        flood_to = time.time()
        load_after = load()
        stop.set()
        await asyncio.gather(stask, return_exceptions=True)
        wtask.cancel()
        flooder = json.loads(out.decode().strip().splitlines()[-1])
        return {"run": run_id, "sockets": args.sockets, "requests": args.requests,
                "load_avg_quiet": load_quiet, "load_avg_flood_start": load_before_flood,
                "load_avg_flood_end": load_after,
                "quiet": summary(watcher.between(quiet_from, quiet_to)),
                "flood": summary(watcher.between(flood_from, flood_to)),
                "flood_sockets": summary(watcher.between(flood_from, flood_from + flooder["sockets_s"] + 1)),
                "flood_window_s": round(
                    flood_to - flood_from, 1), "flooder": flooder, "logs": str(logdir)}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sockets", type=int, default=2000)
    p.add_argument("--requests", type=int, default=1500)
    p.add_argument("--quiet", type=float, default=5.0, help="seconds measured before the flood")
    p.add_argument("--hold", type=float, default=3.0, help="seconds the flooder keeps its sockets open")
    p.add_argument("--json", type=Path)
    p.add_argument("--flooder", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.flooder:
        print(json.dumps(asyncio.run(flood(json.loads(args.flooder)))), flush=True)
        return
    report = asyncio.run(orchestrate(args))
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
