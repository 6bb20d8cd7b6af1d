"""``livecore gateway --host H --port P``: run one gateway process (uvloop; SIGTERM stops it gracefully)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from ..cli_help import setting_default
from ..commerce.port import GatewayCommerce
from ..config import Settings
from ..runtime import open_runtime
from ..secrets_check import require_secrets
from ..services.discover import resolve
from .gcwatch import GcWatch, tune
from .server import Gateway

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=None, help=f"address to listen on ({setting_default('host')})")
    parser.add_argument("--port", type=int, default=None, help=f"port, 0 for any ({setting_default('gateway_port')})")
    parser.add_argument("--reuse-port", action="store_true", help="SO_REUSEPORT: several processes, one port")


def run(args: argparse.Namespace, settings: Settings) -> int:
    require_secrets(settings)
    settings = resolve(settings)
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
        gateway = Gateway(runtime, commerce=GatewayCommerce(runtime))
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
