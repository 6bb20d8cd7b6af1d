"""A real deployment for the browser tests: gateway, API and worker subprocesses on free ports, their own Redis
key prefix and PostgreSQL schema, and Debian's chromium driven by Playwright (never a browser download)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from e2e_stack import Stack, running_stack
from playwright.async_api import Browser, async_playwright

from livecore.config import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def stack(base_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(base_settings, tmp_path_factory.mktemp("e2e-logs")) as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            await b.close()
