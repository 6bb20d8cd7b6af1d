"""Gateways for tests: in-process ones on free ports, and real ``livecore gateway`` subprocesses."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from gwhelpers import url

from livecore.config import Settings
from livecore.gateway.server import Gateway
from livecore.runtime import open_runtime
from livecore.services.ports import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
async def start_gateway(settings: Settings, redis: Any,
                        rooms: tuple[str, ...]) -> AsyncIterator[Callable[..., Awaitable[Gateway]]]:
    """``await start_gateway(**setting_overrides)`` -> a started in-process Gateway (stopped afterwards)."""
    async with AsyncExitStack() as stack:
        started: list[Gateway] = []

        async def start(port: int = 0, features: Any = None, **overrides: Any) -> Gateway:
            s = settings.with_(**overrides)
            runtime = await stack.enter_async_context(open_runtime(s, database=False))
            gw = Gateway(runtime, features=features)
            await gw.start("127.0.0.1", port)
            started.append(gw)
            return gw

        try:
            yield start
        finally:
            for gw in started:
                try:
                    await asyncio.wait_for(gw.stop(), 40)
                except TimeoutError:
                    for t in asyncio.all_tasks():
                        t.print_stack()
                    raise


@pytest.fixture(params=["picows", "websockets"])
def transport(request: pytest.FixtureRequest) -> str:
    """The WebSocket server under the gateway, for the tests of what each transport must do alike."""
    return str(request.param)


@pytest.fixture
def start_each(start_gateway: Callable[..., Awaitable[Gateway]], transport: str) -> Callable[..., Awaitable[Gateway]]:
    """``start_gateway`` on each transport in turn (the test runs once per transport)."""

    async def start(port: int = 0, features: Any = None, **overrides: Any) -> Gateway:
        gw = await start_gateway(port, features, gateway_transport=transport, **overrides)
        assert gw.transport_name == transport
        return gw

    return start


@dataclass
class GatewayProcess:
    port: int
    proc: subprocess.Popen[bytes]
    log: str = ""

    @property
    def url(self) -> str:
        return url(self.port)

    def terminate(self, timeout: float = 20) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture
def spawn_gateway(settings: Settings, artifacts_dir: Any,
                  rooms: tuple[str, ...]) -> Iterator[Callable[..., GatewayProcess]]:
    """Start ``python -m livecore gateway --port P`` with the test's settings in its environment."""
    procs: list[GatewayProcess] = []

    def spawn(processes: int = 1, **overrides: Any) -> GatewayProcess:
        port = free_port()
        env = {**os.environ, **settings.with_(**overrides).env()}
        log = open(artifacts_dir / f"gateway-{settings.key_prefix}-{port}.log", "wb")  # noqa: SIM115 - open while the child runs
        proc = subprocess.Popen([sys.executable, "-m", "livecore", "gateway", "--port", str(port),
                                 "--procs", str(processes)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        gp = GatewayProcess(port, proc, log.name)
        procs.append(gp)
        deadline = time.monotonic() + 30
        while not _healthy(port):
            if proc.poll() is not None:
                raise RuntimeError(f"gateway exited with {proc.returncode}; see {log.name}")
            if time.monotonic() > deadline:
                raise TimeoutError("gateway did not become ready")
            time.sleep(0.05)
        return gp

    try:
        yield spawn
    finally:
        for gp in procs:
            if gp.proc.poll() is None:
                gp.proc.kill()
                gp.proc.wait(10)
