"""A gateway left without rooms past the Redis client's health-check interval still answers the next join.

redis-py checks a connection idle longer than ``health_check_interval`` (``LIVECORE_REDIS_HEALTH_CHECK_S``,
30 s by default) with a PING before its next command. On the room bus's pub/sub connection, with no channel
subscribed, that PING's reply was read while the hub's reader was already waiting on the same connection, so
the first SUBSCRIBE after an idle spell failed and the join answered ``unavailable``. The interval is made
short here so the idle spell is short too.
"""

from __future__ import annotations

import asyncio

from gwhelpers import token, url

from livecore.client import LiveClient
from livecore.config import Settings
from livecore.protocol import client as c
from livecore.protocol.server import Joined


async def test_the_first_join_after_an_idle_spell_is_served(settings: Settings, start_gateway) -> None:  # type: ignore[no-untyped-def]
    gw = await start_gateway(redis_health_check_s=0.3)
    client = await LiveClient(url(gw.port), token(settings, "u1"), reconnect=False).connect()
    try:
        for round_ in range(3):
            answer = await client._request(c.Join(room=f"idle{round_}"), 10)
            assert isinstance(answer, Joined), answer
            await client.request(c.Leave())
            assert not gw.hub.rooms  # no room left: nothing subscribed on the bus connection
            await asyncio.sleep(0.8)  # idle past the health-check interval
        answer = await client._request(c.Join(room="idle-last"), 10)
        assert isinstance(answer, Joined), answer
        sent = await client.request(c.Chat(text="still here"))
        assert sent.data["id"]  # type: ignore[union-attr]
    finally:
        await client.close()
