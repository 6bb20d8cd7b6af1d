"""Red packets through real gateways: concurrent retries over two gateways never give a user two packets, and a
password packet's phrase sent as barrage is a grab, never a barrage line."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from livecore.auth import issue
from livecore.client import LiveClient
from livecore.features.redpacket.keys import RedPacketKeys
from livecore.features.redpacket.messages import Grab
from livecore.features.redpacket.model import RedPacketIn
from livecore.features.redpacket.service import RedPacketService
from livecore.features.redpacket.worker import ledger_writer
from livecore.gateway.server import Gateway
from livecore.protocol import client as c
from livecore.protocol.server import Error, Frame, Result

ROOM = "r2"


async def viewer(settings, gw: Gateway, user: str) -> LiveClient:  # type: ignore[no-untyped-def]
    token = issue(settings.secret, user, name=f"name-{user}")
    client = await LiveClient(f"ws://127.0.0.1:{gw.port}/ws", token, reconnect=False).connect()
    await client.join(ROOM)
    return client


async def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_no_user_grabs_twice_under_concurrent_retries_on_two_gateways(
        settings, runtime, gateways) -> None:  # type: ignore[no-untyped-def]
    gw_a, gw_b = await gateways(), await gateways()
    host = RedPacketService(runtime)
    users = [f"u{i}" for i in range(40)]
    clients: dict[str, tuple[LiveClient, LiveClient]] = {}
    try:
        for u in users:
            clients[u] = (await viewer(settings, gw_a, u), await viewer(settings, gw_b, u))
        rp = await host.launch(ROOM, RedPacketIn(total=10_000, count=100, window_s=30), "host")

        async def storm(user: str) -> list[tuple[str, Result | Error]]:
            a, b = clients[user]
            asks = [(a, "k"), (a, "k"), (a, "k"), (b, "k"), (b, "k"), (b, "k"), (b, "k2"), (a, "k2")]
            answers = await asyncio.gather(*(cl.request(Grab(rain=rp["id"], key=key)) for cl, key in asks))
            return [(key, ans) for (_, key), ans in zip(asks, answers, strict=True)]

        results = await asyncio.gather(*(storm(u) for u in users))
        for user, answers in zip(users, results, strict=True):
            won = {(msgspec.to_builtins(a.data)["index"], msgspec.to_builtins(a.data)["amount"])
                   for _, a in answers if isinstance(a, Result)}
            assert len(won) == 1, (user, answers)  # one packet, and every successful answer names it
            for key in ("k", "k2"):
                mine = [a for k, a in answers if k == key]
                # a key answers one thing: its first answer, or 'already' when the other key won
                assert all(isinstance(a, Result) for a in mine) or all(
                    isinstance(a, Error) and a.code == "already" for a in mine), (user, key, mine)
        keys = RedPacketKeys(runtime.keys)
        assert await runtime.redis.hlen(keys.packet(ROOM, rp["id"]).users) == 40
        assert await runtime.redis.xlen(keys.outbox(ROOM)) == 40
        assert (await host.get(ROOM, rp["id"]))["grabbed"] == 40  # type: ignore[index]
        assert await ledger_writer(runtime, "w").drain() == 40
        assert runtime.db is not None
        rows = await runtime.db.fetch("SELECT user_id FROM wallet_ledger WHERE kind = 'grab'")
        assert sorted(r["user_id"] for r in rows) == sorted(users)
    finally:
        for pair in clients.values():
            for cl in pair:
                await cl.close()
        await host.close()


async def test_a_password_packet_is_grabbed_through_barrage_and_shown_as_a_counter(
        settings, runtime, gateways) -> None:  # type: ignore[no-untyped-def]
    gw = await gateways()
    host = RedPacketService(runtime)
    watcher, sender, other = [await viewer(settings, gw, u) for u in ("watcher", "sender", "other")]
    try:
        rp = await host.launch(ROOM, RedPacketIn(total=500, count=5, kind="password", phrase="新年 快乐 ABC",
                                                 window_s=60), "host")
        part = gw.features.parts["redpacket"]  # type: ignore[union-attr]
        await wait_for(lambda: ROOM in part.phrases.rooms)  # type: ignore[attr-defined]
        got = await sender.request(c.Chat(text="新年快乐ａｂｃ"))  # full width, no spaces, other case
        assert isinstance(got, Result), got
        data = msgspec.to_builtins(got.data)
        assert data["redpacket"] == rp["id"] and data["amount"] >= 1
        assert isinstance(await other.request(c.Chat(text=" 新年　快乐 abc ")), Result)
        assert isinstance(await sender.request(c.Chat(text="谢谢主播")), Result)  # an ordinary chat
        chats: list[str] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while "谢谢主播" not in chats:
            assert loop.time() < deadline, f"the ordinary chat never arrived: {chats}"
            msg = await watcher.next(deadline - loop.time())
            if isinstance(msg, Frame):
                chats += [e["text"] for e in map(msgspec.json.decode, msg.events) if e.get("type") == "chat"]
        assert not [t for t in chats if "新年" in t], chats  # the phrase never became a barrage line
        field = f"redpacket:{rp['id']}"

        async def said() -> int:
            return int((await runtime.bus.state(ROOM)).get(field, {}).get("said", 0))

        for _ in range(200):
            if await said() == 2:
                break
            await asyncio.sleep(0.05)
        state = (await runtime.bus.state(ROOM))[field]
        assert state["said"] == 2 and state["grabbed"] == 2 and state["phrase"] == "新年 快乐 ABC"
        tap = await other.request(Grab(rain=rp["id"], key="t"))
        assert isinstance(tap, Error) and tap.code in ("not_eligible", "already")
    finally:
        for cl in (watcher, sender, other):
            await cl.close()
        await host.close()
