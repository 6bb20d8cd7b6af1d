"""A real deployment for the browser tests: gateway, API and worker subprocesses on free ports, their own Redis
key prefix and PostgreSQL schema, and Debian's chromium driven by Playwright (never a browser download)."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.async_api import Browser, async_playwright

from livecore.config import Settings
from livecore.demo.procs import Deployment
from livecore.runtime import drop_keys, redis_client
from livecore.services.ports import free_port
from livecore.storage.db import drop_schema

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@dataclass
class Stack:
    settings: Settings
    api_url: str
    gateway_url: str
    deployment: Deployment

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = "Bearer " + token
        req = urllib.request.Request(self.api_url + path, method=method, headers=headers,
                                     data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(req, timeout=15) as res:
                return json.loads(res.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path}: {exc.code} {exc.read().decode()}") from exc


@pytest.fixture(scope="module")
def stack(base_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tag = "e" + uuid.uuid4().hex[:10]
    gateway_port, api_port = free_port(), free_port()
    settings = base_settings.with_(key_prefix=tag, database_schema=tag, gateway_port=gateway_port,
                                   api_port=api_port, host="127.0.0.1")
    logs = tmp_path_factory.mktemp("e2e-logs")
    deployment = Deployment(settings, log_dir=logs)
    try:
        deployment.api(api_port)  # migrates the schema before it listens
        deployment.gateway(gateway_port)
        deployment.worker()
        yield Stack(settings, f"http://127.0.0.1:{api_port}", f"ws://127.0.0.1:{gateway_port}/ws", deployment)
    finally:
        deployment.stop()
        asyncio.run(_cleanup(settings))


async def _cleanup(settings: Settings) -> None:
    redis = redis_client(settings.redis_url, cluster=settings.redis_cluster)
    try:
        await drop_keys(redis, settings.key_prefix)
    finally:
        await redis.aclose()
    await drop_schema(settings.database_url, settings.database_schema)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            await b.close()
