"""``livecore demo [--bots N] [--port P] [--gateway-port G]``: a live room you can open in a browser.

Finds or starts Redis and PostgreSQL, starts a gateway, the API (which migrates) and a worker as
subprocesses, seeds a room with a host and products, runs simulated viewers and a scripted host, and prints
the viewer page and host console URLs with ready-made tokens. Ctrl-C (SIGINT) or SIGTERM stops everything,
the embedded Redis and PostgreSQL included when this demo started them (servers it found running stay up).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from types import FrameType

from ..auth import issue
from ..config import Settings
from ..services.discover import Started, resolve
from .bots import run_bots
from .host import ScriptedHost, seed_room
from .procs import Deployment

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bots", type=int, default=30, help="simulated viewers (default 30)")
    parser.add_argument("--port", type=int, default=None, help="API and pages port (default LIVECORE_API_PORT)")
    parser.add_argument("--gateway-port", type=int, default=None, help="gateway port (default LIVECORE_GATEWAY_PORT)")
    parser.add_argument("--room", default="demo", help="room id (default demo)")
    parser.add_argument("--cycle", type=float, default=30.0, help="seconds between the scripted host's moves")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _ignore_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def run(args: argparse.Namespace, settings: Settings) -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM stops the demo as Ctrl-C does, at any stage
    started = Started()
    try:
        settings = resolve(settings.with_(demo=True), started)
        if args.port:
            settings = settings.with_(api_port=args.port)
        if args.gateway_port:
            settings = settings.with_(gateway_port=args.gateway_port)
        with Deployment(settings, log_dir=settings.data_dir / "logs") as deployment:
            print("starting the API (and migrations), a gateway and a worker ...", flush=True)
            deployment.api(settings.api_port)
            deployment.gateway(settings.gateway_port)
            deployment.worker()
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(_show(settings, args))
            _ignore_signals()  # stopping: a second Ctrl-C must not leave processes or servers running
            print("\nstopping ...", flush=True)
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
    finally:
        _ignore_signals()
        started.stop()
    return 0


async def _show(settings: Settings, args: argparse.Namespace) -> None:
    api = f"http://{settings.host}:{settings.api_port}"
    gateway = f"ws://{settings.host}:{settings.gateway_port}/ws"
    room = args.room
    host_token = issue(settings.secret, "host1", role="host", room=room, name="主播小美")
    viewer_token = issue(settings.secret, "viewer1", role="viewer", name="观众小明")
    products = await asyncio.to_thread(seed_room, api, host_token, room)

    print("\n" + "=" * 72)
    print(f"  viewer page : {api}/room/{room}?token={viewer_token}")
    print(f"  host console: {api}/console/?token={host_token}")
    print(f"  (English: add &lang=en)   {args.bots} simulated viewers; logs in {settings.data_dir / 'logs'}")
    print("=" * 72 + "\n  Ctrl-C stops everything.", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    host = ScriptedHost(api, host_token, room, products, cycle_s=args.cycle)
    await asyncio.gather(run_bots(args.bots, gateway, api, room, settings.secret, stop, pace=1.5),
                         host.run(stop))
