"""``livecore gateway --host H --port P [--procs N]``: run the gateway (uvloop; SIGTERM stops it gracefully).

With ``--procs N`` above 1 (the default is one per core) N processes share the port (``procs``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal

from ..cli_help import setting_default
from ..config import Settings
from ..features.gateway_set import FeatureSet
from ..runtime import open_runtime
from ..secrets_check import require_secrets
from ..services.discover import resolve
from .gcwatch import GcWatch, tune
from .procs import default_procs, supervise
from .server import Gateway

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=None, help=f"address to listen on ({setting_default('host')})")
    parser.add_argument("--port", type=int, default=None, help=f"port, 0 for any ({setting_default('gateway_port')})")
    parser.add_argument("--reuse-port", action="store_true", help="SO_REUSEPORT: several processes, one port")
    parser.add_argument("--procs", type=int, default=None,
                        help="processes sharing the port with SO_REUSEPORT (default: one per core)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    require_secrets(settings)
    procs = default_procs() if args.procs is None else args.procs
    if procs < 1:
        raise SystemExit("--procs must be at least 1")
    settings = resolve(settings)  # once, here: the children get the parent's Redis and PostgreSQL
    if procs > 1:
        port = settings.gateway_port if args.port is None else args.port
        return supervise(procs, args.host or settings.host, port, {**os.environ, **settings.env()})
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency; this only keeps odd platforms working
        return asyncio.run(serve_until_stopped(settings, args.host, args.port, args.reuse_port))
    return uvloop.run(serve_until_stopped(settings, args.host, args.port, args.reuse_port))


async def serve_until_stopped(settings: Settings, host: str | None, port: int | None, reuse_port: bool) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with open_runtime(settings, database=False) as runtime:
        gateway = Gateway(runtime, features=FeatureSet.open(runtime))
        bound = await gateway.start(host, port, reuse_port=reuse_port)
        thresholds = tune()  # a process of its own: start-up objects frozen, fewer young collections
        watch = GcWatch()
        watch.start()
        print(f"gateway {gateway.node} ready on ws://{host or settings.host}:{bound}/ws (gc thresholds "
              f"{thresholds})", flush=True)
        await stop.wait()
        log.info("gateway %s stopping", gateway.node)
        print(f"gateway {gateway.node} gc before stop: {watch.summary()}", flush=True)
        await gateway.stop()
        watch.stop()
    return 0
