"""The gateway's side of commerce: requests reach the port and answers are relayed with their ``rid``;
keyword and follow notifications run off the hot path; without a port, ``unavailable``."""

from __future__ import annotations

import asyncio
from typing import Any

from gwhelpers import token, until, url

from livecore.client import LiveClient
from livecore.core.outcome import Refusal
from livecore.protocol import client as c
from livecore.protocol.codes import ErrorCode
from livecore.protocol.server import Error, Result


class RecordingCommerce:
    """A CommercePort that answers from a table: the gateway's plumbing is under test, not the sale."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    async def buy(self, room: str, user: str, sale: str, key: str, qty: int) -> dict[str, Any] | Refusal:
        self.calls.append(("buy", room, user, sale, key, qty))
        if sale == "gone":
            return Refusal(ErrorCode.SOLD_OUT, "no stock left")
        return {"ok": True, "order": f"o-{key}"}

    async def claim(self, room: str, user: str, batch: str, key: str) -> dict[str, Any] | Refusal:
        raise ConnectionError("redis down")

    async def enter_lottery(self, room: str, user: str, lottery: str, watched_s: float) -> dict[str, Any] | Refusal:
        self.calls.append(("enter", room, user, lottery, watched_s))
        return {"ok": True, "entered": True}

    async def on_chat(self, room: str, user: str, text: str) -> None:
        self.calls.append(("chat", room, user, text))

    async def on_follow(self, room: str, user: str) -> None:
        await asyncio.sleep(0.05)
        raise RuntimeError("counted, not fatal")

    async def close(self) -> None:
        self.calls.append(("close",))


async def test_commerce_requests_and_notifications(settings, start_gateway) -> None:  # type: ignore[no-untyped-def]
    port = RecordingCommerce()
    gw = await start_gateway(commerce=port)
    client = await LiveClient(url(gw.port), token(settings, "u1"), reconnect=False).connect()
    assert isinstance(await client.request(c.Buy(sale="s1", key="k1")), Error)  # not joined yet
    await client.join("42")
    ok = await client.request(c.Buy(sale="s1", key="k1", qty=2))
    assert isinstance(ok, Result) and ok.data == {"ok": True, "order": "o-k1"}
    sold_out = await client.request(c.Buy(sale="gone", key="k2"))
    assert isinstance(sold_out, Error) and sold_out.code == "sold_out" and sold_out.rid
    down = await client.request(c.Claim(batch="b", key="k3"))
    assert isinstance(down, Error) and down.code == "unavailable"
    entered = await client.request(c.Enter(lottery="l1"))
    assert isinstance(entered, Result)
    await client.request(c.Chat(text="扣1抽奖"))
    await client.send(c.Follow())
    await until(lambda: ("chat", "42", "u1", "扣1抽奖") in port.calls and gw.background.failed == 1)
    assert port.calls[0] == ("buy", "42", "u1", "s1", "k1", 2)
    assert next(call for call in port.calls if call[0] == "enter")[4] >= 0


async def test_without_commerce_requests_answer_unavailable(settings, start_gateway) -> None:  # type: ignore[no-untyped-def]
    gw = await start_gateway()
    client = await LiveClient(url(gw.port), token(settings, "u1"), reconnect=False).connect()
    await client.join("42")
    for request in (c.Buy(sale="s", key="k"), c.Claim(batch="b", key="k"), c.Enter(lottery="l")):
        answer = await client.request(request)
        assert isinstance(answer, Error) and answer.code == "unavailable"


async def test_expired_token_may_not_act(settings, start_gateway) -> None:  # type: ignore[no-untyped-def]
    gw = await start_gateway()
    client = await LiveClient(url(gw.port), token(settings, "u1", ttl_s=2), reconnect=False,
                              heartbeat_s=3600).connect()
    await client.join("42")
    await asyncio.sleep(2.1)
    await client.send(c.Ping())
    await until(lambda: client.close_code is not None)
    assert client.close_code == 4502
