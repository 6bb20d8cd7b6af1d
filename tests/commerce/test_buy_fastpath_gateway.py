"""Two real gateways, each with its own purchase path: after the sell-out, refusals are answered by snapshot,
and a buyer whose first answer was lost retries the same key on the other gateway and gets her order."""

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


async def test_a_retry_on_another_gateway_after_the_sell_out_returns_the_first_order(settings, runtime, rooms) -> None:  # type: ignore[no-untyped-def]
    commerces = [SalesPart(runtime, SalesService(runtime)) for _ in range(2)]
    gateways = [Gateway(runtime, features=FeatureSet.open(runtime, sales=cm), node=f"g{i}")
                for i, cm in enumerate(commerces)]
    ports = [await gw.start("127.0.0.1", 0) for gw in gateways]
    clients: list[LiveClient] = []

    async def connect(user: str, gw: int) -> LiveClient:
        cl = LiveClient(f"ws://127.0.0.1:{ports[gw]}/ws", issue(settings.secret, user), reconnect=False)
        await cl.connect()
        await cl.join("r1")
        clients.append(cl)
        return cl

    try:
        now = int(time.time() * 1000)
        sale = await commerces[0].sales.create("r1", SaleSpec(product="p", price=100, quantity=2, per_user=1,
                                                              ends_at=now + 60_000), "h")
        sid = sale["id"]
        alice = await connect("alice", 0)
        first = await alice.request(Buy(sale=sid, key="alice-1"))
        assert isinstance(first, Result) and not first.data["replayed"]
        await alice.close()  # as if the answer had been lost with the connection

        bob, carol, dan = [await connect(u, 1) for u in ("bob", "carol", "dan")]
        last = await bob.request(Buy(sale=sid, key="bob-1"))
        assert isinstance(last, Result) and last.data["stock"] == 0
        refusals = await asyncio.gather(*(cl.request(Buy(sale=sid, key=f"{i}")) for i, cl in
                                          enumerate((carol, dan, carol, dan))))
        assert [r.code for r in refusals if isinstance(r, Error)] == ["sold_out"] * 4

        alice = await connect("alice", 1)
        retry = await alice.request(Buy(sale=sid, key="alice-1"))
        assert isinstance(retry, Result) and retry.data["replayed"]
        assert retry.data["order"] == first.data["order"]
        fresh = await alice.request(Buy(sale=sid, key="alice-2"))
        assert isinstance(fresh, Error) and fresh.code == "limit_reached"

        path = commerces[1].sales.purchases
        assert path.stats.script_calls == 1  # bob's; every other answer on gateway 1 came from snapshots
        assert path.stats.snapshot_answers == 6
    finally:
        for cl in clients:
            await cl.close()
        for gw in gateways:
            await gw.stop()
        for cm in commerces:
            await cm.close()
