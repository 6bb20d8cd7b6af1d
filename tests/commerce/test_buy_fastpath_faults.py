"""A coalesced batch of purchases whose replies are lost on the way back: Redis ran every script, the gateway
saw none of the answers. The batch is sent once more and replays; a second loss answers ``unavailable``,
and the client's retry with the same keys finds the orders. Nothing is sold twice."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from livecore.commerce.sale_keys import SaleKeys
from livecore.commerce.sales import SalesService
from livecore.core.outcome import accepted
from livecore.keys import Keys
from livecore.runtime import open_runtime


class ReplyCutter:
    """A TCP proxy to Redis that, while armed, drops the next reply it sees and cuts that connection: the
    commands reached Redis and ran, the client gets a closed connection instead of their answers."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.armed = 0
        self.cuts = 0
        self.server: asyncio.Server | None = None
        self._conns: set[asyncio.StreamWriter] = set()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_r, up_w = await asyncio.open_connection(self.host, self.port)
        self._conns.update((writer, up_w))

        async def upstream() -> None:
            while data := await reader.read(65536):
                up_w.write(data)
                await up_w.drain()
            up_w.close()

        async def downstream() -> None:
            while data := await up_r.read(65536):
                if self.armed:
                    self.armed -= 1
                    self.cuts += 1
                    writer.transport.abort()
                    up_w.close()
                    return
                writer.write(data)
                await writer.drain()
            writer.close()

        with contextlib.suppress(Exception):
            await asyncio.gather(upstream(), downstream())

    async def close(self) -> None:
        for w in self._conns:
            w.transport.abort()
        if self.server is not None:
            self.server.close()


@pytest.fixture
async def cutter(settings) -> AsyncIterator[tuple[ReplyCutter, str]]:  # type: ignore[no-untyped-def]
    url = urlsplit(settings.redis_url)
    proxy = ReplyCutter(url.hostname or "127.0.0.1", url.port or 6379)
    port = await proxy.start()
    try:
        yield proxy, urlunsplit(url._replace(netloc=f"127.0.0.1:{port}"))
    finally:
        await proxy.close()


async def test_lost_replies_are_fetched_again_by_replay_and_never_sell_twice(  # type: ignore[no-untyped-def]
        settings, migrated, redis, clock, make_spec, cutter) -> None:
    proxy, url = cutter
    async with open_runtime(settings.with_(redis_url=url, redis_cluster=False), clock=clock) as rt:
        sales = SalesService(rt)
        try:
            sid = (await sales.create("r1", make_spec(quantity=100, per_user=5), "h"))["id"]
            assert accepted(await sales.buy("r1", "warm", sid, "w"))
            await sales.stock.flush()

            proxy.armed = 1  # the batch's replies are lost once
            once = await asyncio.gather(*(sales.buy("r1", f"u{i}", sid, f"k{i}") for i in range(20)))
            assert proxy.cuts == 1 and sales.purchases.batcher.stats.resent_connection == 1
            assert all(accepted(r) and r["replayed"] for r in once)  # they ran the first time: replayed
            await sales.stock.flush()

            proxy.armed = 2  # lost twice: the gateway gives up and says so
            twice = await asyncio.gather(*(sales.buy("r1", f"v{i}", sid, f"k{i}") for i in range(20)))
            assert proxy.cuts == 3
            assert {r.code for r in twice} == {"unavailable"}
            again = await asyncio.gather(*(sales.buy("r1", f"v{i}", sid, f"k{i}") for i in range(20)))
            assert all(accepted(r) and r["replayed"] for r in again)  # the client's retry finds its orders
        finally:
            await sales.close()
    k = SaleKeys(Keys(settings.key_prefix))  # read directly, not through the proxy
    orders = [f[b"o"].decode() for _, f in await redis.xrange(k.orders_stream("r1")) if f[b"k"] == b"order"]
    assert len(orders) == len(set(orders)) == 41  # the warm-up, 20 once, 20 after two losses
    assert set(orders) >= {r["order"] for r in once} | {r["order"] for r in again}
    assert int(await redis.get(k.stock("r1", sid))) == 100 - 41
