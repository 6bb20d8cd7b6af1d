"""``livecore worker``: run stream consumers and sweepers in one process.

Workers are a registry of named factories, ``name -> "module:function"``; a factory takes the process'
``Runtime`` and a consumer name and returns an object with ``async run(stop: asyncio.Event)``. The core's
workers are listed here; a feature's come from its ``Feature.workers``. ``--only NAME`` (repeatable) runs a
subset; by default every worker runs.
Several worker processes may run side by side: consumers share consumer groups, sweepers act through scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import os
import signal
import socket
from typing import Any, Protocol

from ..config import Settings
from ..features import registry
from ..runtime import Runtime, open_runtime
from ..secrets_check import require_secrets
from ..services.discover import resolve
from .metrics import serve_metrics

log = logging.getLogger(__name__)

CORE_WORKERS: dict[str, str] = {
    "ranking": "livecore.workers.ranking:ranking_worker",
    "snapshots": "livecore.workers.snapshots:snapshot_worker",
}
WORKERS: dict[str, str] = {**CORE_WORKERS, **registry.workers()}
"""The core's workers, then every registered feature's (``Feature.workers``)."""


class Worker(Protocol):
    async def run(self, stop: asyncio.Event) -> None: ...


def build(name: str, rt: Runtime, consumer: str) -> Worker:
    module_name, _, func = WORKERS[name].partition(":")
    factory: Any = getattr(importlib.import_module(module_name), func)
    return factory(rt, consumer)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only", action="append", choices=sorted(WORKERS), metavar="NAME",
                        help=f"run only this worker (repeatable): {', '.join(sorted(WORKERS))} (default: all of them)")
    parser.add_argument("--name", default="", help="consumer name in the consumer groups (default host-pid); "
                        "a restarted worker with the same name re-reads its own pending entries first")
    parser.add_argument("--metrics-port", type=int, default=0,
                        help="serve Prometheus /metrics of this process on this port (default: none)")
    parser.add_argument("--metrics-host", default="127.0.0.1", help="address for --metrics-port")


async def serve(settings: Settings, names: list[str], consumer: str, stop: asyncio.Event | None = None,
                metrics: tuple[str, int] | None = None) -> None:
    """Run the named workers until ``stop`` (or a signal); ``metrics`` (host, port) serves ``/metrics``."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with open_runtime(settings) as rt:
        workers = {name: build(name, rt, consumer) for name in names}
        log.info("worker %s running: %s", consumer, ", ".join(names))
        stop_metrics = serve_metrics(workers, *metrics, generation=rt.generation) if metrics else None
        tasks = [asyncio.create_task(w.run(stop), name=f"worker-{n}") for n, w in workers.items()]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            if stop_metrics is not None:
                stop_metrics()
        for task in done:
            if task.exception() is not None:
                raise task.exception()  # type: ignore[misc]


def run(args: argparse.Namespace, settings: Settings) -> int:
    require_secrets(settings)
    settings = resolve(settings)
    names = args.only or list(WORKERS)
    consumer = args.name or f"{socket.gethostname()}-{os.getpid()}"
    metrics = (args.metrics_host, args.metrics_port) if args.metrics_port else None
    asyncio.run(serve(settings, names, consumer, metrics=metrics))
    return 0
