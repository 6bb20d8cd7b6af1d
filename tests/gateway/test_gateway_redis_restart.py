"""A gateway keeps serving its viewers through a Redis restart: it resubscribes and new events flow."""

from __future__ import annotations

import asyncio
from typing import Any

from gwhelpers import collect, token, url

from livecore.client import LiveClient
from livecore.protocol import client as c
from roomhelp import create_rooms


async def test_viewers_keep_receiving_after_redis_restarts(start_gateway: Any, settings: Any,
                                                           redis_server: Any) -> None:
    gw = await start_gateway(redis_url=redis_server.url, redis_cluster=False)
    viewer = LiveClient(url(gw.port), token(settings, "v1"), reconnect=False)
    sender = LiveClient(url(gw.port), token(settings, "s1"), reconnect=False)
    await viewer.connect()
    await sender.connect()
    await create_rooms(gw.runtime.redis, settings, "7")  # this Redis is the test's own: the room is created in it
    await viewer.join("7")
    await sender.join("7")
    await sender.send(c.Gift(gift="rose", key="before"))
    await collect(viewer, lambda evs: any(e.get("type") == "gift" for e in evs))

    redis_server.restart()  # every key, subscription and script is gone

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    n = 0
    got: list[dict[str, Any]] = []
    while not any(e.get("type") == "gift" for e in got):
        assert loop.time() < deadline, "no gift arrived after the restart"
        n += 1
        await sender.send(c.Gift(gift="rose", key=f"after-{n}"))
        try:
            got = await collect(viewer, lambda evs: any(e.get("type") == "gift" for e in evs), timeout=1.0)
        except AssertionError:
            got = []
    assert viewer.connected and sender.connected  # nobody was disconnected by the outage
    assert gw.hub.reconnects >= 1
    await viewer.close()
    await sender.close()
