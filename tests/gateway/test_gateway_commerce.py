"""The gateway's side of the features: requests reach the part of the feature that owns the message and answers
are relayed with their ``rid``; chat and follow notifications run off the hot path; without a part,
``unavailable``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from gwhelpers import collect, token, until, url

from livecore.client import LiveClient
from livecore.core.outcome import Refusal
from livecore.features.base import Answer, Ask, Part
from livecore.features.coupons.messages import Claim
from livecore.features.gateway_set import FeatureSet
from livecore.features.lottery.messages import Enter
from livecore.features.sales.messages import Buy
from livecore.protocol import client as c
from livecore.protocol.codes import ErrorCode
from livecore.protocol.server import Error, Result


class Recording:
    """What the parts were asked, in order: the gateway's plumbing is under test, not the sale."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []


class RecordingSales(Part):
    def __init__(self, log: Recording) -> None:
        self.log = log

    async def handle(self, ask: Ask, msg: Buy) -> Answer:
        self.log.calls.append(("buy", ask.room, ask.user, msg.sale, msg.key, msg.qty))
        if msg.sale == "gone":
            return Refusal(ErrorCode.SOLD_OUT, "no stock left")
        return {"ok": True, "order": f"o-{msg.key}"}


class FailingCoupons(Part):
    async def handle(self, ask: Ask, msg: Claim) -> Answer:
        raise ConnectionError("redis down")


class RecordingLottery(Part):
    def __init__(self, log: Recording) -> None:
        self.log = log

    async def handle(self, ask: Ask, msg: Enter) -> Answer:
        self.log.calls.append(("enter", ask.room, ask.user, msg.lottery, ask.watched_s))
        return {"ok": True, "entered": True}

    async def on_chat(self, room: str, user: str, text: str) -> None:
        self.log.calls.append(("chat", room, user, text))

    async def on_follow(self, room: str, user: str) -> None:
        await asyncio.sleep(0.05)
        raise RuntimeError("counted, not fatal")

    async def close(self) -> None:
        self.log.calls.append(("close",))


async def test_commerce_requests_and_notifications(settings, start_gateway) -> None:  # type: ignore[no-untyped-def]
    port = Recording()
    gw = await start_gateway(features=FeatureSet({"sales": RecordingSales(port), "coupons": FailingCoupons(),
                                                  "lottery": RecordingLottery(port)}))
    assert len(gw.features.chat_watchers) == 1 and not gw.features.interceptors  # only overridden hooks run
    client = await LiveClient(url(gw.port), token(settings, "u1"), reconnect=False).connect()
    assert isinstance(await client.request(Buy(sale="s1", key="k1")), Error)  # not joined yet
    await client.join("42")
    ok = await client.request(Buy(sale="s1", key="k1", qty=2))
    assert isinstance(ok, Result) and ok.data == {"ok": True, "order": "o-k1"}
    sold_out = await client.request(Buy(sale="gone", key="k2"))
    assert isinstance(sold_out, Error) and sold_out.code == "sold_out" and sold_out.rid
    down = await client.request(Claim(batch="b", key="k3"))
    assert isinstance(down, Error) and down.code == "unavailable"
    entered = await client.request(Enter(lottery="l1"))
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
    for request in (Buy(sale="s", key="k"), Claim(batch="b", key="k"), Enter(lottery="l")):
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


class PhraseTaker(Part):
    """Takes the chats that are exactly its phrase, as a password red packet does."""

    def __init__(self) -> None:
        self.taken: list[tuple[str, str, str]] = []

    def intercept_chat(self, ask: Ask, text: str) -> Awaitable[Answer] | None:
        if text != "芝麻开门":
            return None
        return self._take(ask, text)

    async def _take(self, ask: Ask, text: str) -> Answer:
        self.taken.append((ask.room, ask.user, text))
        return {"ok": True, "taken": True}


async def test_a_feature_takes_its_phrase_out_of_the_barrage(settings, start_gateway) -> None:  # type: ignore[no-untyped-def]
    taker = PhraseTaker()
    gw = await start_gateway(features=FeatureSet({"lottery": taker}))
    sender = await LiveClient(url(gw.port), token(settings, "u1"), reconnect=False).connect()
    watcher = await LiveClient(url(gw.port), token(settings, "u2"), reconnect=False).connect()
    await sender.join("42")
    await watcher.join("42")
    taken = await sender.request(c.Chat(text="芝麻开门"))
    assert isinstance(taken, Result) and taken.data == {"ok": True, "taken": True}
    said = await sender.request(c.Chat(text="hello"))
    assert isinstance(said, Result) and "id" in said.data
    seen = await collect(watcher, lambda evs: any(e.get("text") == "hello" for e in evs))
    assert [e["text"] for e in seen if e["type"] == "chat"] == ["hello"]  # the phrase never reached the barrage
    assert taker.taken == [("42", "u1", "芝麻开门")]
