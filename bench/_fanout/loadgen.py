"""A load-generator process: ``python -m _fanout.loadgen '<json config>'`` (with ``bench/`` on the path).

It opens its share of the connections (drainers, probes or senders), prints ``{"event": "ready", ...}`` on
stdout, then obeys one JSON command per stdin line:

    {"cmd": "connect"}                         viewers with "stages" > 1: open the next stage's share first
    {"cmd": "window", "t0": T0, "t1": T1}     count frames between these wall-clock times
    {"cmd": "send", "start": S, "stop": E, "rate": R, "gift_rate": G}    (senders only)
    {"cmd": "report"}                          print the counts as one JSON line
    {"cmd": "quit"}                            close every connection and exit

One process per share keeps every process far below the open-file limit and lets the load spread over
both cores.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import uvloop

from .senders import SenderPool
from .viewers import Target, ViewerPool


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def _stdin_lines() -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


def _at(wall: float, callback: Any, *args: Any) -> None:
    loop = asyncio.get_running_loop()
    loop.call_at(loop.time() + max(0.0, wall - time.time()), callback, *args)


async def run(cfg: dict[str, Any]) -> None:
    targets = [Target(t["host"], int(t["port"]), t.get("path", "/ws")) for t in cfg["targets"]]
    role = cfg["role"]
    pool: ViewerPool | SenderPool
    if role == "senders":
        pool = SenderPool(targets, cfg["room"], cfg["secret"], cfg["senders"], cfg["gifters"],
                          run_id=cfg["run_id"], gift=cfg.get("gift", "rose"))
    else:
        pool = ViewerPool(targets, cfg["room"], cfg["secret"], cfg["first"], cfg["count"],
                          probes=role == "probes", concurrency=cfg.get("concurrency", 64),
                          user_prefix=f"fo-v{cfg['run_id']}-")
    reader = await _stdin_lines()
    stages = int(cfg.get("stages", 1))
    if isinstance(pool, ViewerPool) and stages > 1:
        # Joining in stages, in step with the other viewer processes, spreads probes over the gateway's
        # viewer list instead of putting them all at its start (where fan-out reaches them first).
        connect_s = 0.0
        first = pool.first
        for k in range(stages):
            line = await reader.readline()
            if not line or json.loads(line).get("cmd") != "connect":
                return
            stop = pool.first + (pool.count * (k + 1)) // stages
            connect_s += await pool.connect(part=(first, stop))
            first = stop
            emit({"event": "staged", "stage": k})
    else:
        connect_s = await pool.connect()
    heartbeat = None
    if isinstance(pool, ViewerPool):
        heartbeat = asyncio.create_task(pool.heartbeat(cfg.get("heartbeat_s", 20.0)))
        connected = len(pool.viewers)
    else:
        connected = len(pool.chatters) + len(pool.gifters)
    emit({"event": "ready", "connected": connected, "connect_s": round(connect_s, 3),
          "connect_errors": pool.connect_errors})
    tasks: list[asyncio.Task[None]] = []
    while True:
        line = await reader.readline()
        if not line:
            break
        cmd = json.loads(line)
        match cmd["cmd"]:
            case "window":
                pool.window.t0, pool.window.t1 = cmd["t0"], cmd["t1"]
                _at(cmd["t0"], pool.snapshot, "t0")
                _at(cmd["t1"], pool.snapshot, "t1")
            case "send":
                assert isinstance(pool, SenderPool)
                tasks.append(asyncio.create_task(
                    pool.send(cmd["start"], cmd["stop"], cmd["rate"], cmd["gift_rate"])))
            case "report":
                for task in tasks:
                    await task
                emit({"event": "report", **pool.report()})
            case "quit":
                break
    if heartbeat is not None:
        heartbeat.cancel()
    pool.close()
    await asyncio.sleep(0.2)


def main() -> None:
    uvloop.run(run(json.loads(sys.argv[1])))


if __name__ == "__main__":
    main()
