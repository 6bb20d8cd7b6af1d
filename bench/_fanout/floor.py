"""The transport's floor: the least the gateway's own design can cost per delivered frame on picows.

``python -m _fanout.floor --port P --redis URL --channel C`` runs a bare picows server (uvloop's socket transport,
as the gateway uses) that answers each viewer's first message with a ``joined`` frame, subscribes to one Redis
channel and, for every message on it, encodes the WebSocket frame once and writes those bytes to every viewer's
socket: the gateway's fan-out with nothing else (no rooms, merging, budgets, slow-consumer policy or Redis state).
Fed the same frames as the baseline, its CPU per delivered frame says how far below ``websockets.broadcast`` the
transport itself can go here, and so what the gateway's own work could still give back at most.
"""

from __future__ import annotations

import asyncio
import json
import signal

from picows import WSFrame, WSListener, WSMsgType, WSTransport, WSUpgradeRequest, ws_create_server
from redis.asyncio import Redis

from livecore.gateway.fanout import wire_text

from . import baseline
from .baseline import JOINED


async def run_server(host: str, port: int, redis_url: str, channel: str) -> None:
    viewers: set[asyncio.Transport] = set()

    class Viewer(WSListener):  # type: ignore[misc]
        joined = False

        def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
            if frame.msg_type is WSMsgType.TEXT and not self.joined:  # the join; later frames are heartbeats
                self.joined = True
                transport.send(WSMsgType.TEXT, JOINED)
                viewers.add(transport.underlying_transport)
            elif frame.msg_type is WSMsgType.CLOSE:
                transport.send_close(frame.get_close_code())
                transport.disconnect()

        def on_ws_disconnected(self, transport: WSTransport) -> None:
            viewers.discard(transport.underlying_transport)

    def factory(_request: WSUpgradeRequest) -> Viewer:
        return Viewer()

    server = await ws_create_server(factory, host, port, enable_auto_ping=False, enable_auto_pong=True,
                                    read_buffer_init_size=1024, use_aiofastnet=False)
    redis = Redis.from_url(redis_url)
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)

    async def pump() -> None:
        while True:
            message = await pubsub.get_message(timeout=None)
            if message is not None and message["type"] == "message":
                wire = wire_text(message["data"])
                for t in viewers:
                    t.write(wire)

    print(json.dumps({"event": "ready", "port": port}), flush=True)
    task = asyncio.create_task(pump())
    await stop.wait()
    task.cancel()
    server.close()
    await pubsub.aclose()
    await redis.aclose()


if __name__ == "__main__":
    baseline.main(run_server)
