"""The Python side of the SDK's integration tests: a private key prefix and PostgreSQL schema, real
``livecore gateway`` processes, and the Python SDK as a second viewer. One JSON command per line on stdin, one JSON
answer per line on stdout (``{"ok": true, ...}`` or ``{"ok": false, "error": ...}``).

Run with the repository's virtualenv from the repository root: ``.venv/bin/python clients/ts/test/harness.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from livecore.auth import issue
from livecore.client import LiveClient
from livecore.commerce.model import SaleSpec
from livecore.commerce.sales import SalesService
from livecore.config import Settings
from livecore.protocol.events import GiftEvent
from livecore.ranking.created import mark_created
from livecore.runtime import drop_keys, open_runtime
from livecore.secrets_check import with_run_secrets
from livecore.services.discover import resolve
from livecore.services.ports import free_port
from livecore.storage.db import connect, drop_schema
from livecore.storage.migrate import migrate

ROOT = Path(__file__).resolve().parents[3]


def _settings() -> Settings:
    """The test suite's Redis and PostgreSQL (as tests/conftest.py finds them), under a private prefix and schema."""
    prefix = "ts" + uuid.uuid4().hex[:10]
    env = {k: v for k, v in os.environ.items() if k.startswith("LIVECORE_")}
    base = with_run_secrets(resolve(Settings.from_env(env, data_dir=ROOT / ".livecore")))
    return base.with_(key_prefix=prefix, database_schema=prefix)


ROOMS = ("restart", "slow", "theirs", "shop", "twins")  # every room the integration tests join


class Harness:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.gateways: dict[int, subprocess.Popen[bytes]] = {}
        self.viewers: dict[str, LiveClient] = {}
        self.logs = Path(os.environ.get("LIVECORE_TEST_ARTIFACTS", ROOT / "test-artifacts"))
        self.logs.mkdir(parents=True, exist_ok=True)

    async def __aenter__(self) -> Harness:
        conn = await connect(self.settings.database_url)
        try:
            await migrate(conn, self.settings.database_schema)
        finally:
            await conn.close()
        self._rt_cm = open_runtime(self.settings)
        self.rt = await self._rt_cm.__aenter__()
        self.sales = SalesService(self.rt)
        # a gateway refuses a join to a room never created: create the rooms the tests join, as POST /api/rooms would
        await mark_created(self.rt.redis, self.rt.keys, ROOMS)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in self.viewers.values():
            await client.close()
        for port in list(self.gateways):
            self._stop(port, kill=True)
        await self.sales.close()
        await drop_keys(self.rt.redis, self.settings.key_prefix)
        await self._rt_cm.__aexit__(None, None, None)
        await drop_schema(self.settings.database_url, self.settings.database_schema)

    # -- gateways ------------------------------------------------------------------------------------------
    def _stop(self, port: int, kill: bool = False) -> int:
        proc = self.gateways.pop(port)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        return proc.wait(30)

    async def gateway_start(self, port: int | None = None, settings: dict[str, Any] | None = None) -> dict[str, Any]:
        port = port or free_port()
        env = {**os.environ, **self.settings.with_(**(settings or {})).env()}
        log = open(self.logs / f"ts-gateway-{self.settings.key_prefix}-{port}.log", "ab")
        argv = [sys.executable, "-m", "livecore", "gateway", "--procs", "1", "--port", str(port)]
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.gateways[port] = proc
        deadline = time.monotonic() + 30
        while not await asyncio.to_thread(_healthy, port):
            if proc.poll() is not None:
                raise RuntimeError(f"gateway exited with {proc.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError("gateway did not become ready")
            await asyncio.sleep(0.05)
        return {"port": port, "url": f"ws://127.0.0.1:{port}/ws"}

    async def gateway_stop(self, port: int) -> dict[str, Any]:
        return {"code": await asyncio.to_thread(self._stop, port)}

    # -- the room ------------------------------------------------------------------------------------------
    async def token(self, user: str, role: str = "viewer", room: str | None = None, ttl_s: int = 3600) -> dict[str, Any]:
        return {"token": issue(self.settings.secret, user, role=role, room=room, ttl_s=ttl_s, name=f"name-{user}")}

    async def publish(self, room: str, ids: list[str], blob: int = 0) -> dict[str, Any]:
        offsets = [await self.rt.bus.publish_reliable(room, GiftEvent(id=i, user="bot", name="x" * blob, gift="rose"))
                   for i in ids]
        return {"offsets": offsets}

    async def set_state(self, room: str, changes: dict[str, Any]) -> dict[str, Any]:
        await self.rt.bus.set_state(room, changes)
        return {}

    async def sale(self, room: str, quantity: int = 10) -> dict[str, Any]:
        now = int(time.time() * 1000)
        sale = await self.sales.create(room, SaleSpec(product="p1", price=990, quantity=quantity,
                                                      ends_at=now + 600_000), "host")
        return {"id": sale["id"]}

    async def sold(self, room: str, sale: str) -> dict[str, Any]:
        view = await self.sales.get(room, sale)
        assert view is not None
        return {"sold": view["sold"], "stock": view["stock"]}

    # -- the Python SDK as a viewer ------------------------------------------------------------------------
    async def py_join(self, name: str, url: str, room: str, user: str) -> dict[str, Any]:
        client = LiveClient(url, (await self.token(user))["token"])
        await client.connect()
        await client.join(room)
        self.viewers[name] = client
        asyncio.get_running_loop().create_task(_drain(client))
        return {}

    async def py_snapshot(self, name: str) -> dict[str, Any]:
        return {"snapshot": self.viewers[name].model.snapshot()}


async def _drain(client: LiveClient) -> None:
    async for _ in client:  # the client's model is updated as messages arrive; nothing else to do here
        pass


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
            return bool(r.status == 200)
    except OSError:
        return False


async def main(settings: Settings) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with Harness(settings) as h:
        print(json.dumps({"ok": True, "ready": True, "prefix": h.settings.key_prefix}), flush=True)
        while line := await reader.readline():
            cmd = json.loads(line)
            name = cmd.pop("cmd")
            if name == "quit":
                break
            try:
                answer = await getattr(h, name)(**cmd)
                out = {"ok": True, **answer}
            except Exception as exc:  # reported to the test, which fails with it
                out = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            print(json.dumps(out, default=str), flush=True)
    print(json.dumps({"ok": True, "bye": True}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(_settings()))
