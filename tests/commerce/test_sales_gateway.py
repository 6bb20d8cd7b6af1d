"""Buying through a real gateway (WebSocket, ``buy`` message) with the registered features; viewers see the stock."""

from __future__ import annotations

import asyncio
import time

from livecore.auth import issue
from livecore.client import LiveClient
from livecore.commerce.model import SaleSpec
from livecore.commerce.sales import SalesService
from livecore.features.gateway_set import FeatureSet
from livecore.features.sales.messages import Buy
from livecore.features.sales.part import SalesPart
from livecore.gateway.server import Gateway
from livecore.protocol.server import Error, Result


async def test_viewers_buy_through_the_gateway_and_see_the_stock_within_a_tick(settings, runtime, rooms) -> None:  # type: ignore[no-untyped-def]
    sales = SalesService(runtime)
    features = FeatureSet.open(runtime, sales=SalesPart(runtime, sales))
    gw = Gateway(runtime, features=features)
    port = await gw.start("127.0.0.1", 0)
    clients: list[LiveClient] = []
    try:
        now = int(time.time() * 1000)
        sale = await sales.create("r1", SaleSpec(product="p", price=100, quantity=3, ends_at=now + 60_000), "h")
        sid = sale["id"]
        for user in ("ann", "bob", "cat", "dan", "eve"):
            cl = LiveClient(f"ws://127.0.0.1:{port}/ws", issue(settings.secret, user), reconnect=False)
            await cl.connect()
            joined = await cl.join("r1")
            assert joined.state[f"stock:{sid}"] == 3 and joined.state[f"sale:{sid}"]["status"] == "active"
            clients.append(cl)
        answers = await asyncio.gather(*(cl.request(Buy(sale=sid, key="k1")) for cl in clients))
        ok = [a for a in answers if isinstance(a, Result)]
        refused = [a for a in answers if isinstance(a, Error)]
        assert len(ok) == 3 and [e.code for e in refused] == ["sold_out", "sold_out"]
        retry = await clients[answers.index(ok[0])].request(Buy(sale=sid, key="k1"))
        assert isinstance(retry, Result) and retry.data["order"] == ok[0].data["order"] and retry.data["replayed"]
        bad = await clients[0].request(Buy(sale="nope", key="k"))
        assert isinstance(bad, Error) and bad.code == "not_found"
        deadline = time.monotonic() + 10
        while any(cl.state.get(f"stock:{sid}") != 0 for cl in clients):
            assert time.monotonic() < deadline, [cl.state.get(f"stock:{sid}") for cl in clients]
            for cl in clients:
                await cl.next(timeout=0.05)
    finally:
        for cl in clients:
            await cl.close()
        await gw.stop()
        await features.close()
