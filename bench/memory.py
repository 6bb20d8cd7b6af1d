#!/usr/bin/env python
"""Memory per idle connection: N joined viewers on one gateway process, its RSS delta / N.

    python bench/memory.py --viewers 10000 --json out.json [--transport picows] [--compare websockets]

It starts one gateway (``--procs 1``, connection caps and the idle timeout lifted), reads its RSS, opens N
viewers from this process (raw asyncio protocols, each its own user, each joins one room), waits for the
gateway to settle, reads its RSS again and reports the difference per viewer. The viewers' own memory is not
counted: they live in this process, the gateway in its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _compare  # noqa: E402
from _fanout.conn import SharedBuffer, Viewer, open_viewer  # noqa: E402
from _fanout.procs import Measured, free_port, start_server  # noqa: E402
from _rooms import create_room  # noqa: E402
from livecore.auth import issue  # noqa: E402
from livecore.config import Settings  # noqa: E402
from livecore.secrets_check import with_run_secrets  # noqa: E402
from livecore.services.discover import resolve  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--viewers", type=int, default=2000)
    p.add_argument("--parallel", type=int, default=200, help="connections opened at a time")
    p.add_argument("--settle", type=float, default=3.0, help="seconds to wait before each RSS reading")
    p.add_argument("--json", type=Path)
    _compare.add_arguments(p)
    return p.parse_args(argv)


async def settled_rss(server: Measured, seconds: float) -> int:
    """The lowest of a few readings over ``seconds``: allocator noise only ever adds."""
    readings = []
    for _ in range(5):
        await asyncio.sleep(seconds / 5)
        readings.append(server.rss())
    return min(readings)


async def run(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:8]
    room = f"mem-{run_id}"
    port = free_port()
    logdir = Path(tempfile.mkdtemp(prefix=f"memory-{run_id}-"))
    prefix = f"{settings.key_prefix}mem{run_id}"
    await create_room(settings.redis_url, prefix, room, cluster=settings.redis_cluster)
    env = {**settings.env(), "LIVECORE_KEY_PREFIX": prefix,
           "LIVECORE_MAX_CONNECTIONS_PER_ADDRESS": "0", "LIVECORE_IDLE_TIMEOUT_S": "86400",
           "LIVECORE_NODE_ID": f"memory-{run_id}"}
    server = await start_server("gateway", [sys.executable, "-m", "livecore", "gateway", "--procs", "1", "--host",
                                            "127.0.0.1", "--port", str(port)], port, logdir / "gateway.log", env)
    viewers: list[Viewer] = []
    try:
        before = await settled_rss(server, args.settle)
        buf = SharedBuffer()
        join = json.dumps({"type": "join", "room": room}).encode()
        started = time.monotonic()
        for first in range(0, args.viewers, args.parallel):
            batch = range(first, min(args.viewers, first + args.parallel))
            opened = await asyncio.gather(*(open_viewer(
                "127.0.0.1", port, f"/ws?token={issue(settings.secret, f'm{run_id}-{i}')}", join, buf=buf)
                for i in batch))
            for viewer, reply in opened:
                if b'"joined"' not in reply:
                    raise RuntimeError(f"join refused: {reply[:200]!r}")
                viewers.append(viewer)
        connect_s = time.monotonic() - started
        after = await settled_rss(server, args.settle)
        alive = sum(1 for v in viewers if v.close_code is None)
    finally:
        for v in viewers:
            v.close()
        await server.terminate()
    per = (after - before) / len(viewers) if viewers else 0.0
    return {
        "command": " ".join(["python", "bench/memory.py", *sys.argv[1:]]),
        "transport": settings.gateway_transport, "viewers": len(viewers), "still_open": alive,
        "rss_before_bytes": before, "rss_joined_bytes": after, "rss_bytes_per_conn": round(per),
        "rss_kib_per_conn": round(per / 1024, 2), "connect_s": round(connect_s, 2),
        "loadavg": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(), "logdir": str(logdir),
    }


async def transports(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    if args.compare:
        return await _compare.compare(run, args, settings, ("rss_bytes_per_conn",))
    return await run(args, _compare.chosen(args, settings))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = with_run_secrets(resolve(Settings.from_env()))
    report = asyncio.run(transports(args, settings))
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
