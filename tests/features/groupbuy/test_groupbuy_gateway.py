"""Group-buy through a real gateway: viewers open and join over WebSocket, the room state shows the open
group with 差N人 and the members' names, and everyone sees the 成团 event once."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from livecore.auth import issue
from livecore.client import LiveClient
from livecore.features.groupbuy.messages import GroupJoin, GroupOpen
from livecore.features.groupbuy.model import DealIn
from livecore.features.groupbuy.service import GroupBuyService
from livecore.features.share.messages import ShareCodeAsk
from livecore.gateway.server import Gateway
from livecore.protocol.server import Error, Frame, Result

ROOM = "grp"


async def viewer(settings, gw: Gateway, user: str, name: str) -> LiveClient:  # type: ignore[no-untyped-def]
    token = issue(settings.secret, user, name=name)
    client = await LiveClient(f"ws://127.0.0.1:{gw.port}/ws", token, reconnect=False).connect()
    await client.join(ROOM)
    return client


async def until(client: LiveClient, done: Any, timeout: float = 15.0) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not done(client, got):
        left = deadline - loop.time()
        assert left > 0, f"not seen in time; events {got[-5:]}, state keys {list(client.state)}"
        msg = await client.next(left)
        if isinstance(msg, Frame):
            got.extend(msgspec.json.decode(e) for e in msg.events)
    return got


async def test_open_and_join_over_the_socket(settings, live_rt, gateway) -> None:  # type: ignore[no-untyped-def]
    host = GroupBuyService(live_rt)
    now = host.now_ms()
    deal = (await host.create(ROOM, DealIn(product="gp1", price=4900, units=10, size=2, fill_s=600,
                                           ends_at=now + 3_600_000), "h1"))["id"]
    alice = await viewer(settings, gateway, "alice", "小爱")
    bob = await viewer(settings, gateway, "bob", "阿波")
    try:
        opened = await alice.request(GroupOpen(deal=deal, key="k1"))
        assert isinstance(opened, Result), opened
        group = opened.data["group"]
        assert opened.data["need"] == 1
        field = f"groupbuy:{deal}"

        def shows_open(client: LiveClient, _events: list[dict[str, Any]]) -> bool:
            value = client.state.get(field) or {}
            return any(g["id"] == group for g in value.get("open_groups", []))

        await until(bob, shows_open)
        shown = next(g for g in bob.state[field]["open_groups"] if g["id"] == group)
        assert shown["need"] == 1 and shown["members"] == [{"user": "alice", "name": "小爱"}]
        twice = await alice.request(GroupJoin(group=group, key="k2"))
        assert isinstance(twice, Error) and twice.code == "already"
        code = await alice.request(ShareCodeAsk(channel="wechat", group=group))
        assert isinstance(code, Result), code
        joined = await bob.request(GroupJoin(group=group, key="k1", share=code.data["code"]))
        assert isinstance(joined, Result) and joined.data["status"] == "complete"
        assert joined.data["share"] == "new"  # bob came through alice's link: the join is hers
        for client in (alice, bob):
            events = await until(client, lambda _c, ev: any(e.get("type") == "group" for e in ev))
            told = [e for e in events if e.get("type") == "group"]
            assert len(told) == 1 and told[0]["phase"] == "completed" and told[0]["group"] == group
            assert [m["name"] for m in told[0]["data"]["members"]] == ["小爱", "阿波"]
        await until(alice, lambda c, _e: not (c.state.get(field) or {}).get("open_groups")
                    and (c.state.get(field) or {}).get("completed") == 1)
    finally:
        await alice.close()
        await bob.close()
        await host.close()
