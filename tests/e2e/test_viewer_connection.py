"""The viewer page knows when it is cut off, and when its token is refused, in chromium.

The page reaches the gateway through a TCP proxy written here. Cutting the proxy leaves every connection open
but forwards nothing (as a NAT that lost its mapping or a mobile network does): the page must notice the missing
pongs, say it is reconnecting, and once the proxy forwards again reconnect and resume, receiving what was
published meanwhile. A forged token ends in a visible "refused, sign in again"; an expired one, in demo mode,
makes the page fetch a fresh token and connect.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_stack import Stack, running_stack
from playwright.async_api import Browser, Page, expect

from livecore.auth import issue
from livecore.config import Settings
from livecore.services.ports import free_port

WAIT = 20_000  # ms: generous, the machine is shared


class SilentProxy:
    """Forwards TCP to ``target``; ``cut()`` makes every open connection a black hole (nothing forwarded, nothing
    closed) and so are new ones until ``mend()``."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.cutting = False
        self._dead: set[asyncio.StreamWriter] = set()
        self._links: list[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> SilentProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def cut(self) -> None:
        self.cutting = True
        for a, b in self._links:
            self._dead.update((a, b))

    def mend(self) -> None:
        self.cutting = False

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._links.append((writer, up_writer))
        if self.cutting:
            self._dead.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer, writer), self._pipe(up_reader, writer, up_writer),
                             return_exceptions=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    own: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            if own in self._dead or writer in self._dead:
                continue  # swallowed: the peer is never told
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(Exception):
            writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for a, b in self._links:
            for w in (a, b):
                with contextlib.suppress(Exception):
                    w.close()


@pytest.fixture(scope="module")
def gateway_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def proxy_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def cut_stack(base_settings: Settings, tmp_path_factory: pytest.TempPathFactory, gateway_port: int,
              proxy_port: int) -> Iterator[Stack]:
    """A demo-mode deployment (dev login on) whose pages are sent to the proxy, with a 1 s heartbeat."""
    with running_stack(base_settings, tmp_path_factory.mktemp("e2e-cut-logs"), gateway_port=gateway_port, demo=True,
                       heartbeat_s=1.0, gateway_public_url=f"ws://127.0.0.1:{proxy_port}/ws") as running:
        yield running


async def on_proxy(proxy_port: int, gateway_port: int) -> SilentProxy:
    p = SilentProxy(gateway_port)
    p._server = await asyncio.start_server(p._accept, "127.0.0.1", proxy_port)
    p.port = proxy_port
    return p


async def phone(browser: Browser, url: str) -> Page:
    ctx = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = await ctx.new_page()
    await page.goto(url)
    return page


async def test_a_silent_drop_is_noticed_and_healed_with_resume(browser: Browser, cut_stack: Stack,
                                                               proxy_port: int, gateway_port: int,
                                                               artifacts_dir: Path) -> None:
    secret = cut_stack.settings.secret
    host = issue(secret, "h1", role="host", room="cut", name="主播")
    cut_stack.call("POST", "/api/rooms", {"id": "cut", "title": "断线测试"}, host)
    first = cut_stack.call("POST", "/api/rooms/cut/products", {"title": "保温杯", "price": 5900}, host)
    second = cut_stack.call("POST", "/api/rooms/cut/products", {"title": "羊毛围巾", "price": 12900}, host)
    cut_stack.call("POST", f"/api/rooms/cut/products/{first['id']}/push", {}, host)
    proxy = await on_proxy(proxy_port, gateway_port)
    try:
        page = await phone(browser, f"{cut_stack.api_url}/room/cut?token={issue(secret, 'v1', name='小明')}")
        conn = page.locator("#conn")
        await expect(conn).to_have_attribute("data-status", "connected", timeout=WAIT)
        await expect(page.locator("#product-title")).to_have_text("保温杯", timeout=WAIT)

        proxy.cut()  # nothing forwarded any more, nothing closed
        cut_stack.call("POST", f"/api/rooms/cut/products/{second['id']}/push", {}, host)  # a reliable event
        await expect(conn).not_to_have_attribute("data-status", "connected", timeout=8_000)
        await expect(page.locator("#product-title")).to_have_text("保温杯")  # it could not arrive
        await page.screenshot(path=str(artifacts_dir / "viewer-cut-off.png"))

        proxy.mend()
        await expect(conn).to_have_attribute("data-status", "connected", timeout=WAIT)
        await expect(page.locator("body")).to_have_attribute("data-resumed", "1", timeout=WAIT)
        await expect(page.locator("#product-title")).to_have_text("羊毛围巾", timeout=WAIT)  # resumed, not lost
        await page.screenshot(path=str(artifacts_dir / "viewer-healed.png"))
    finally:
        await proxy.close()


async def test_offline_and_online_events_reconnect_at_once(browser: Browser, cut_stack: Stack, proxy_port: int,
                                                           gateway_port: int) -> None:
    secret = cut_stack.settings.secret
    host = issue(secret, "h2", role="host", room="cut2", name="主播")
    cut_stack.call("POST", "/api/rooms", {"id": "cut2", "title": "离线测试"}, host)
    proxy = await on_proxy(proxy_port, gateway_port)
    try:
        page = await phone(browser, f"{cut_stack.api_url}/room/cut2?token={issue(secret, 'v2', name='小红')}")
        conn = page.locator("#conn")
        await expect(conn).to_have_attribute("data-status", "connected", timeout=WAIT)
        await page.context.set_offline(True)
        await expect(conn).not_to_have_attribute("data-status", "connected", timeout=5_000)
        await page.context.set_offline(False)
        await expect(conn).to_have_attribute("data-status", "connected", timeout=WAIT)
        await expect(page.locator("body")).to_have_attribute("data-resumed", "1", timeout=WAIT)
    finally:
        await proxy.close()


async def test_a_forged_token_ends_in_a_visible_sign_in_again(browser: Browser, cut_stack: Stack, proxy_port: int,
                                                              gateway_port: int, artifacts_dir: Path) -> None:
    forged = issue("x" * 40, "v3", name="小刚")
    proxy = await on_proxy(proxy_port, gateway_port)
    try:
        page = await phone(browser, f"{cut_stack.api_url}/room/cut?token={forged}")
        conn = page.locator("#conn")
        await expect(conn).to_have_attribute("data-status", "refused", timeout=WAIT)
        await expect(conn).to_contain_text("请重新登录")
        assert (await conn.inner_text()).count("请重新登录") == 1  # the advice is given once
        await expect(conn).to_be_visible()
        await page.wait_for_timeout(1500)
        await expect(conn).to_have_attribute("data-status", "refused")  # it stays refused: no retry loop
        await page.screenshot(path=str(artifacts_dir / "viewer-refused.png"))
    finally:
        await proxy.close()


async def test_an_expired_token_is_renewed_by_the_demo_page(browser: Browser, cut_stack: Stack, proxy_port: int,
                                                            gateway_port: int) -> None:
    secret = cut_stack.settings.secret
    expired = issue(secret, "v4", name="小丽", ttl_s=-10)
    proxy = await on_proxy(proxy_port, gateway_port)
    try:
        page = await phone(browser, f"{cut_stack.api_url}/room/cut?token={expired}")
        await expect(page.locator("#conn")).to_have_attribute("data-status", "connected", timeout=WAIT)
        fresh = await page.evaluate("Object.values(sessionStorage).find((v) => v.split('.').length === 3)")
        assert fresh and fresh != expired
    finally:
        await proxy.close()
