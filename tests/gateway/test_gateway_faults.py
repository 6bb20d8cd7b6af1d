"""Gateways under faults: a join that failed for want of Redis answers room actions ``unavailable`` (retry), and
the SDK joins again before it retries; a gateway killed mid-storm, its buyers moving to the other gateway and
retrying their keys there, keeps every promise (tests/storm.py records what each buyer was told)."""

from __future__ import annotations

import asyncio
import signal
import time
from typing import Any

from gwhelpers import token, url

from livecore.client import LiveClient
from livecore.commerce.model import SaleSpec
from livecore.commerce.sales import SalesService
from livecore.core.outcome import Refusal, code_of
from livecore.features.gateway_set import FeatureSet
from livecore.features.sales.messages import Buy
from livecore.protocol.server import Error, Result
from livecore.runtime import open_runtime
from livecore.workers.orders import order_persister
from roomhelp import create_rooms
from storm import Storm, audit, until_persisted


def live_spec(quantity: int, per_user: int = 2) -> SaleSpec:
    now = int(time.time() * 1000)
    return SaleSpec(product="p1", price=100, quantity=quantity, per_user=per_user, ends_at=now + 600_000, id="flash")


async def test_a_failed_join_answers_unavailable_and_the_sdk_rejoins_before_retrying(  # type: ignore[no-untyped-def]
        settings, migrated, redis_server, start_gateway) -> None:
    cfg = dict(redis_url=redis_server.url, redis_cluster=False)
    async with open_runtime(settings.with_(**cfg)) as rt:
        gw = await start_gateway(features=FeatureSet.open(rt), **cfg)
        client = await LiveClient(url(gw.port), token(settings, "u1"), reconnect=False).connect()
        redis_server.stop()
        try:
            await client.join("r1", timeout=15)
            raise AssertionError("the join should have failed with Redis down")
        except RuntimeError as exc:
            assert "unavailable" in str(exc)
        # the raw protocol: a room action after the failed join says "retry", not "not_joined"
        await client.send(Buy(sale="flash", key="k1", rid="raw"))
        while True:
            msg = await client.next(10)
            if isinstance(msg, Error) and msg.rid == "raw":
                break
        assert msg.code == "unavailable"
        redis_server.start()
        await create_rooms(rt.redis, settings, "r1")  # this Redis is the test's own: the room is created in it
        sales = SalesService(rt)
        await sales.create("r1", live_spec(5), "host")
        answer = await client.request(Buy(sale="flash", key="k1"))  # the SDK joins again first
        assert isinstance(answer, Result), answer
        assert client.joined and answer.data["order"]
        await client.close()
        await sales.close()


async def test_a_gateway_killed_mid_storm_its_buyers_move_and_every_promise_holds(  # type: ignore[no-untyped-def]
        settings, migrated, db, redis, spawn_gateway) -> None:
    gateways = [spawn_gateway(), spawn_gateway()]
    clients: dict[str, LiveClient] = {}
    where: dict[str, int] = {}
    moved: set[str] = set()

    async def buy(user: str, key: str) -> dict[str, Any] | Refusal:
        client = clients.get(user)
        if client is None or not client.connected:
            if client is not None:
                await client.close()
                where[user] = 1 - where[user]  # the other gateway
                moved.add(user)
            port = gateways[where.setdefault(user, hash(user) % 2)].port
            client = clients[user] = LiveClient(url(port), token(settings, user), reconnect=False)
            await client.connect()
            await client.join("r1")
        answer = await client.request(Buy(sale="flash", key=key))
        if isinstance(answer, Result):
            return answer.data
        assert isinstance(answer, Error)
        return Refusal(code_of(answer.code), answer.message)

    async with open_runtime(settings) as rt:
        sales = SalesService(rt)
        await sales.create("r1", live_spec(200), "host")
        storm = Storm(buy, 260, spread_s=3.0, give_up_s=30)
        stop = asyncio.Event()
        worker = asyncio.create_task(order_persister(rt, "w", claim_idle_ms=500).run(stop))
        try:
            run = asyncio.create_task(storm.run())
            await asyncio.sleep(1.5)
            gateways[0].proc.send_signal(signal.SIGKILL)  # mid-storm
            await run
            assert await until_persisted(db, set(storm.told().values())) == set()
        finally:
            stop.set()
            await asyncio.gather(worker, return_exceptions=True)
            await asyncio.gather(*(cl.close() for cl in clients.values()), return_exceptions=True)
            await sales.close()
    assert moved  # buyers of the killed gateway went on through the other one
    assert storm.finals() == {"ok": 200, "sold_out": 60}
    found = await audit(db, "flash", 200, [storm])
    assert found.problems() == [] and found.live_units == 200
