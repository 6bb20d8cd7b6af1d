"""``livecore demo [--bots N] [--port P] [--gateway-port G]``: a live room you can open in a browser.

Finds or starts Redis and PostgreSQL, starts a gateway (one process per core sharing its port), the API
(which migrates) and a worker as subprocesses, seeds a room with a host and products, runs simulated viewers
and a scripted host, and prints the viewer page and host console URLs with ready-made tokens. Ctrl-C (SIGINT)
or SIGTERM stops everything, the embedded Redis and PostgreSQL included when this demo started them (servers
it found running stay up).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from types import FrameType

from ..auth import issue
from ..cli_help import setting_default
from ..config import Settings
from ..protocol.ids import ROOM_ID_RULE, valid_room_id
from ..services.discover import Started, resolve
from .bots import run_bots
from .host import DEMO_HOST, DEMO_HOST_NAME, ScriptedHost, seed_room
from .http import ApiRefused
from .procs import Deployment

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bots", type=int, default=30, help="simulated viewers")
    parser.add_argument("--port", type=int, default=None, help=f"API and pages port ({setting_default('api_port')})")
    parser.add_argument("--gateway-port", type=int, default=None,
                        help=f"gateway port ({setting_default('gateway_port')})")
    parser.add_argument("--room", default="demo", type=room_id, help="room id")
    parser.add_argument("--cycle", type=float, default=30.0, help="seconds between the scripted host's moves")
    parser.add_argument("--no-host", action="store_true",
                        help="no scripted host: the room moves only when a person uses the console")
    parser.add_argument("--host-quiet", type=float, default=120.0,
                        help="seconds the scripted host waits after a person's move in the console")


def room_id(value: str) -> str:
    if not valid_room_id(value):
        raise argparse.ArgumentTypeError(f"a room id is {ROOM_ID_RULE}")
    return value


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
    if args.no_host:
        print("  no scripted host (--no-host)")
    else:
        print(f"  the scripted host steps aside for {args.host_quiet:g} s after each of your moves in the console")
    print("=" * 72 + "\n  Ctrl-C stops everything.", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    script_token = issue(settings.secret, DEMO_HOST, role="host", room=room, name=DEMO_HOST_NAME)
    host = ScriptedHost(api, script_token, room, products, cycle_s=args.cycle, quiet_s=args.host_quiet)
    if args.no_host:
        with contextlib.suppress(ApiRefused, OSError):
            await host.set_mode("off")
    await asyncio.gather(run_bots(args.bots, gateway, api, room, settings.secret, stop, pace=1.5),
                         *([] if args.no_host else [host.run(stop)]))
