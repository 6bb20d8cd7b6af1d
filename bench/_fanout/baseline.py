"""The baseline: the least a Python server can do to fan a Redis pub/sub feed out to WebSocket viewers.

``python -m _fanout.baseline --port P --redis URL --channel C`` runs a ``websockets`` server (uvloop, no
compression) that answers each viewer's first message with a ``joined`` frame, subscribes to one Redis
channel and calls ``websockets.broadcast(connections, payload)`` for every message on it. The gateway's CPU
per delivered frame is judged against this server fed the same frame size at the same frame rate
(``feed``), so the comparison isolates what the gateway adds on top of the unavoidable socket writes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from collections.abc import Awaitable, Callable

import msgspec
import uvloop
from redis.asyncio import Redis
from websockets.asyncio.server import ServerConnection, broadcast, serve

from .stats import barrage_text

JOINED = b'{"type":"joined","room":"baseline","user":"","role":"viewer","state":{}}'


async def run_server(host: str, port: int, redis_url: str, channel: str) -> None:
    connections: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        try:
            await ws.recv()  # the viewer's join
            await ws.send(JOINED, text=True)
        except Exception:
            return
        connections.add(ws)
        try:
            async for _ in ws:  # heartbeats; nothing to answer
                pass
        except Exception:
            pass
        finally:
            connections.discard(ws)

    redis = Redis.from_url(redis_url)
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    async def pump() -> None:
        while True:
            message = await pubsub.get_message(timeout=None)
            if message is not None and message["type"] == "message":
                broadcast(connections, message["data"], text=True)

    # the same transport settings as the gateway: no compression, no server-initiated pings
    async with serve(handler, host, port, compression=None, ping_interval=None, backlog=1024):
        print(json.dumps({"event": "ready", "port": port}), flush=True)
        task = asyncio.create_task(pump())
        await stop.wait()
        task.cancel()
    await pubsub.aclose()
    await redis.aclose()


def frame_payload(size: int, seq: int, now: float, pad_char: str = "x") -> bytes:
    """A ``frame`` carrying one bench barrage (so probes measure latency), padded to ``size`` bytes."""
    ms = int(now * 1000)
    event = {"type": "chat", "ts": ms, "id": str(seq), "user": "fo-baseline", "name": "baseline",
             "text": barrage_text(seq, ms, "")}
    frame = {"type": "frame", "room": "baseline", "events": [event], "ts": ms}
    raw = msgspec.json.encode(frame)
    if len(raw) < size:
        event["text"] = barrage_text(seq, ms, pad_char * (size - len(raw)))
        raw = msgspec.json.encode(frame)
    return raw


async def feed(redis: Redis, channel: str, start: float, stop: float, rate: float, size: int) -> int:
    """Publish ``rate`` frames per second of ``size`` bytes from ``start`` to ``stop`` (wall clock)."""
    await asyncio.sleep(max(0.0, start - time.time()))
    sent = 0
    while True:
        now = time.time()
        if now >= stop:
            return sent
        due = int((now - start) * rate)
        while sent < due:
            await redis.publish(channel, frame_payload(size, sent, now))
            sent += 1
        await asyncio.sleep(min(0.005, 1.0 / max(rate, 1.0)))


Server = Callable[[str, int, str, str], Awaitable[None]]


def main(server: Server = run_server) -> None:
    """``--host --port --redis --channel``: run ``server`` (this baseline, or another bare server) until SIGTERM."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--channel", required=True)
    args = parser.parse_args()
    uvloop.run(server(args.host, args.port, args.redis, args.channel))
    sys.exit(0)


if __name__ == "__main__":
    main()
