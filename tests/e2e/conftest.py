"""A real deployment for the browser tests: gateway, API and worker subprocesses on free ports, their own Redis
key prefix and PostgreSQL schema, and Debian's chromium driven by Playwright (never a browser download)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from e2e_stack import Stack, cleanup
from playwright.async_api import Browser, async_playwright

from livecore.config import Settings
from livecore.demo.procs import Deployment
from livecore.services.ports import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


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
        asyncio.run(cleanup(settings))


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            await b.close()
