"""A keyword lottery through a real gateway: viewers comment the keyword over WebSocket, are entered, and
see the opening (with the seed hash) and the draw (with winners and the seed) as reliable events."""

import asyncio
import hashlib
from typing import Any

import msgspec

from livecore.auth import issue
from livecore.client import LiveClient
from livecore.features.lottery.messages import Enter
from livecore.features.lottery.service import LotteryIn, LotteryService
from livecore.gateway.server import Gateway
from livecore.protocol import client as c
from livecore.protocol.server import Error, Frame, Result


async def viewer(settings, gw: Gateway, user: str, room: str = "r5") -> LiveClient:  # type: ignore[no-untyped-def]
    client = await LiveClient(f"ws://127.0.0.1:{gw.port}/ws", issue(settings.secret, user), reconnect=False).connect()
    await client.join(room)
    return client


async def events_until(client: LiveClient, want: str, timeout: float = 20.0) -> list[dict[str, Any]]:
    """Room events received until a lottery event of phase ``want`` arrives."""
    got: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    # events are decoded with their types' defaults: "phase" is omitted on the wire when it is the default
    while not any(e.get("type") == "lottery" and e.get("phase", "opened") == want for e in got):
        left = deadline - loop.time()
        assert left > 0, f"no lottery {want} event; got {got[-5:]}"
        msg = await client.next(left)
        if isinstance(msg, Frame):
            got.extend(msgspec.json.decode(e) for e in msg.events)
    return got


async def test_keyword_lottery_through_the_gateway(settings, runtime, gateway) -> None:  # type: ignore[no-untyped-def]
    host = LotteryService(runtime)
    alice = await viewer(settings, gateway, "alice")
    bob = await viewer(settings, gateway, "bob")
    try:
        opened = await host.open("r5", LotteryIn(prize="福袋", winners=1, condition="keyword", keyword="想要",
                                                 duration_s=120), actor="h")
        lt = opened["id"]
        seen = await events_until(alice, "opened")
        announced = next(e for e in seen if e.get("type") == "lottery")
        assert announced["data"]["seed_hash"] == opened["seed_hash"] and announced["offset"]
        refused = await bob.request(Enter(lottery=lt))
        assert isinstance(refused, Error) and refused.code == "not_eligible"
        assert isinstance(await alice.request(c.Chat(text="我想要这个福袋")), Result)
        entries = host._entries_key("r5", lt)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while await runtime.redis.zcard(entries) < 1:  # on_chat runs off the barrage path
            assert loop.time() < deadline, "the keyword comment did not enter alice"
            await asyncio.sleep(0.05)
        again = await alice.request(Enter(lottery=lt))
        assert isinstance(again, Error) and again.code == "already"
        drawn = await host.draw("r5", lt, actor="h")
        assert drawn["winners"] == ["alice"]
        for client in (alice, bob):
            events = await events_until(client, "drawn")
            data = next(e for e in events if e.get("type") == "lottery" and e.get("phase") == "drawn")["data"]
            assert data["winners"] == ["alice"]
            assert hashlib.sha256(data["seed"].encode()).hexdigest() == opened["seed_hash"]
    finally:
        await alice.close()
        await bob.close()
        await host.close()
