"""The API and the gateway apply the same rules (``livecore.protocol.ids``, ``livecore.protocol.limits``):
a room the API creates can be joined, a room id the gateway refuses cannot be created, and a buy's quantity is
accepted or refused alike over HTTP, by the service and over the WebSocket."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest

from livecore.auth import issue
from livecore.client import LiveClient
from livecore.commerce.model import SaleSpec
from livecore.commerce.sales import SalesService
from livecore.config import Settings
from livecore.core.outcome import Refusal, accepted
from livecore.features.gateway_set import FeatureSet
from livecore.gateway.server import Gateway
from livecore.protocol import limits
from livecore.protocol.ids import valid_room_id
from livecore.protocol.server import Error, Joined, Result
from livecore.runtime import open_runtime

# room ids at and around every edge of the rule: length, alphabet, and what keys and order ids cannot hold
ROOM_IDS = [
    "r1", "0", "a.b-c_D9", "x" * 64, "x" * 65, "", "my room", "a/b", "a:b", "{r1}", "r}1", "房间",
    "é", "r1\n", " r2 ", "a\tb", "-", ".", "..", "a+b", "a%20b", "a#b", "a?b", "ｒ1", "r\u200b1",
]
QUANTITIES: list[Any] = [-1, 0, 1, 2, limits.MAX_QTY - 1, limits.MAX_QTY, limits.MAX_QTY + 1, 999, 1000, 2**63,
                         1.5, "2", None]


@pytest.fixture
async def gateway_port(settings: Settings, migrated: str, redis: Any) -> AsyncIterator[int]:
    # this test sends many refused frames on purpose: no flood or malformed-frame closing here
    relaxed = settings.with_(tick_ms=50, malformed_limit=10_000, flood_refusals=10_000)
    async with open_runtime(relaxed, database=False) as rt:
        gw = Gateway(rt, features=FeatureSet.open(rt))
        port = await gw.start("127.0.0.1", 0)
        try:
            yield port
        finally:
            await gw.stop()


def _admin(settings: Settings) -> dict[str, str]:
    return {"authorization": "Bearer " + issue(settings.secret, "adm", role="admin")}


async def _answer(client: LiveClient, frame: dict[str, Any], rid: str) -> Joined | Result | Error:
    """Send a raw frame (any JSON, typed or not) and wait for the answer carrying ``rid``."""
    await client.send_raw(msgspec.json.encode({**frame, "rid": rid}).decode())  # a text frame
    while True:
        msg = await client.next(10.0)
        assert msg is not None, f"no answer to {frame}"
        if isinstance(msg, Joined | Result | Error) and msg.rid == rid:
            return msg


async def test_every_room_id_the_api_creates_the_gateway_joins_and_no_other(
        api: httpx.AsyncClient, gateway_port: int, settings: Settings) -> None:
    viewer = issue(settings.secret, "v1", name="v1")
    created: dict[str, str | None] = {}  # the id asked for -> the room the API created (it trims), or None
    for room in ROOM_IDS:
        r = await api.post("/api/rooms", json={"id": room, "title": "t"}, headers=_admin(settings))
        assert r.status_code in (200, 201, 400), (room, r.status_code, r.text)
        created[room] = r.json()["id"] if r.status_code != 400 else None
        if created[room] is None:
            assert r.json()["error"]["code"] == "invalid", (room, r.text)
    joined: dict[str, bool] = {}
    async with LiveClient(f"ws://127.0.0.1:{gateway_port}/ws", viewer, reconnect=False) as client:
        targets = ROOM_IDS + [r for r in created.values() if r is not None]
        for i, room in enumerate(targets):
            answer = await _answer(client, {"type": "join", "room": room}, f"j{i}")
            joined[room] = not isinstance(answer, Error)
            if isinstance(answer, Error):
                assert answer.code == "invalid", (room, answer)
            else:
                await _answer(client, {"type": "leave"}, f"l{i}")
        host_room = await _answer(client, {"type": "join", "room": "host:r1"}, "host")
    for room, made in created.items():
        assert made is None or joined[made], (room, made)  # every room the API creates can be joined
        assert joined[room] == valid_room_id(room), room  # the gateway follows the rule ("r1\n" too)
        if room == room.strip():
            assert (made is not None) == joined[room] == valid_room_id(room), room  # and no other
    assert sum(made is not None for made in created.values()) >= 7
    assert sum(made is None for made in created.values()) >= 15  # both sides of the rule exercised
    # ``host:<room>`` names a room's host side, never a room: the API refuses it, the gateway lets hosts in
    r = await api.post("/api/rooms", json={"id": "host:r1", "title": "t"}, headers=_admin(settings))
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"
    assert isinstance(host_room, Error) and host_room.code == "forbidden"


async def test_a_buys_quantity_is_accepted_alike_by_the_api_the_service_and_the_gateway(
        api: httpx.AsyncClient, gateway_port: int, settings: Settings, runtime: Any) -> None:
    now = int(time.time() * 1000)
    r = await api.post("/api/rooms", json={"id": "r1", "title": "t"}, headers=_admin(settings))
    assert r.status_code == 201, r.text
    sales = SalesService(runtime)
    try:
        await sales.create("r1", SaleSpec(product="p", price=1, quantity=limits.MAX_STOCK,
                                          per_user=limits.MAX_PER_USER, ends_at=now + 600_000, id="s1"), "h")
        viewer = {"authorization": "Bearer " + issue(settings.secret, "api-buyer")}
        over_http: dict[str, bool] = {}
        for i, qty in enumerate(QUANTITIES):
            r = await api.post("/api/rooms/r1/sales/s1/buy", json={"key": f"k{i}", "qty": qty}, headers=viewer)
            assert r.status_code in (200, 400), (qty, r.status_code, r.text)
            over_http[repr(qty)] = r.status_code == 200
            assert r.status_code == 200 or r.json()["error"]["code"] == "invalid"
        by_service: dict[str, bool] = {}
        for i, qty in enumerate(q for q in QUANTITIES if type(q) is int):
            answer = await sales.buy("r1", "svc-buyer", "s1", f"k{i}", qty)
            by_service[repr(qty)] = accepted(answer)
            assert accepted(answer) or (isinstance(answer, Refusal) and answer.code == "invalid"), (qty, answer)
        over_ws: dict[str, bool] = {}
        token = issue(settings.secret, "ws-buyer", name="ws-buyer")
        async with LiveClient(f"ws://127.0.0.1:{gateway_port}/ws", token, reconnect=False) as client:
            await client.join("r1")
            for i, qty in enumerate(QUANTITIES):
                answer = await _answer(client, {"type": "buy", "sale": "s1", "key": f"k{i}", "qty": qty}, f"b{i}")
                over_ws[repr(qty)] = isinstance(answer, Result)
                assert isinstance(answer, Result) or answer.code == "invalid", (qty, answer)
    finally:
        await sales.close()
    assert over_http == over_ws
    assert by_service == {k: v for k, v in over_http.items() if k in by_service}
    assert {k for k, ok in over_http.items() if ok} == {"1", "2", repr(limits.MAX_QTY - 1), repr(limits.MAX_QTY)}
