"""Only created rooms can be joined: a mistyped room id is answered ``not_found`` and leaves no trace (no hub
room, no presence, no interactions, no place in the rankings); a join remembers the viewer's display name."""

from __future__ import annotations

import asyncio

import pytest
from gwhelpers import token, until, url

from livecore.client import LiveClient
from livecore.people import PeopleStore
from livecore.protocol.server import Joined
from livecore.ranking.names import RankKeys
from roomhelp import create_rooms


async def test_a_room_never_created_is_not_found_and_leaves_no_trace(settings, start_gateway, redis) -> None:  # type: ignore[no-untyped-def]
    gw = await start_gateway(tick_ms=50)
    v = await LiveClient(url(gw.port), token(settings, "typo"), reconnect=False).connect()
    with pytest.raises(RuntimeError, match="not_found"):
        await v.join("ghost-room")
    host = await LiveClient(url(gw.port), token(settings, "h", "host", room="ghost-room"), reconnect=False).connect()
    with pytest.raises(RuntimeError, match="not_found"):
        await host.join("host:ghost-room")  # the host companion room of a room that does not exist either
    assert "ghost-room" not in gw.hub.rooms and "host:ghost-room" not in gw.hub.rooms
    assert v.connected  # refused, not disconnected: the viewer may open the right room
    await asyncio.sleep(1.0)  # past the presence heartbeat and the interaction log's flush
    assert not await redis.exists(gw.keys.room_presence("ghost-room"))
    assert not await redis.exists(gw.keys.interactions("ghost-room"))  # nothing for the rankings to count
    assert not await redis.sismember(RankKeys(gw.keys).known(), "ghost-room")

    await create_rooms(redis, settings, "ghost-room")  # what POST /api/rooms leaves for the gateways
    joined = await v.join("ghost-room")
    assert isinstance(joined, Joined) and joined.room == "ghost-room"
    await until(lambda: "ghost-room" in gw.hub.rooms)


async def test_a_join_remembers_the_name_the_token_carries(settings, start_gateway, redis) -> None:  # type: ignore[no-untyped-def]
    gw = await start_gateway()
    people = PeopleStore(redis, gw.keys)
    client = await LiveClient(url(gw.port), token(settings, "bot12"), reconnect=False).connect()
    await client.join("42")
    deadline = asyncio.get_running_loop().time() + 10
    while not await people.names(["bot12"]):
        assert asyncio.get_running_loop().time() < deadline, "the join did not store the name"
        await asyncio.sleep(0.05)
    assert await people.names(["bot12", "bot13"]) == {"bot12": "name-bot12"}
    assert await people.names_for(["bot12", "bot13"]) == {"bot12": "name-bot12", "bot13": "bot13"}
