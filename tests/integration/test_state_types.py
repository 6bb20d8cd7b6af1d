"""Every room state value the publishers write decodes strictly into its type (``livecore.protocol.state``).

A room goes through what a show does (saved, live, a product on screen, a flash sale, a coupon batch, a lottery
opened and drawn, a pinned message, the demo host switch, viewers, likes, gifts ranked, host metrics); then its
state hash and every ``S`` message published on its channels are decoded key by key with the key's type, and
every key pattern of ``STATE_KEYS`` must have been written.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest
from redis.asyncio import Redis

from livecore.api.app import build_app
from livecore.auth import issue
from livecore.config import Settings
from livecore.gateway.likes import LikeAggregator
from livecore.gateway.presence import Presence
from livecore.interactions.log import InteractionLog
from livecore.interactions.model import Interaction
from livecore.protocol.state import STATE_KEYS, LotteryState, SaleState, decode_value, pattern_of
from livecore.runtime import Runtime, open_runtime
from livecore.workers.ranking import RankingWorker

ROOM = "st1"
_object = msgspec.json.Decoder(dict[str, msgspec.Raw])


def bearer(settings: Settings, user: str, role: str = "viewer", room: str | None = None) -> dict[str, str]:
    return {"authorization": "Bearer " + issue(settings.secret, user, role=role, room=room, name=user.upper())}


@pytest.fixture
async def client(settings: Settings, migrated: str, redis: Redis) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(settings.with_(demo=True))
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as c):
        yield c


@pytest.fixture
async def srt(settings: Settings, redis: Redis) -> AsyncIterator[Runtime]:
    async with open_runtime(settings, database=False) as rt:
        yield rt


async def ok(r: httpx.Response, status: int = 200) -> dict:  # type: ignore[type-arg]
    assert r.status_code == status, r.text
    return r.json()


async def show(client: httpx.AsyncClient, settings: Settings, srt: Runtime, redis: Redis) -> None:
    host = bearer(settings, "h1", "host", ROOM)
    await ok(await client.post("/api/rooms", json={"id": ROOM, "title": "上新", "cover": "/c.jpg"}, headers=host), 201)
    await ok(await client.patch(f"/api/rooms/{ROOM}", json={"title": "秋季上新"}, headers=host))
    product = await ok(await client.post(f"/api/rooms/{ROOM}/products", json={"title": "口红", "price": 9900},
                                         headers=host), 201)
    await ok(await client.post(f"/api/rooms/{ROOM}/live/start", headers=host), 201)
    await ok(await client.post(f"/api/rooms/{ROOM}/products/{product['id']}/push", headers=host))
    now = int(time.time() * 1000)
    await ok(await client.post(f"/api/rooms/{ROOM}/sales", headers=host, json={
        "product": product["id"], "price": 4900, "quantity": 5, "ends_at": now + 600_000}), 201)
    await ok(await client.post(f"/api/rooms/{ROOM}/coupons", headers=host, json={
        "kind": "threshold", "amount": 2000, "threshold": 19900, "total": 3, "duration_s": 600, "valid_for_s": 60}),
        201)
    lottery = await ok(await client.post(f"/api/rooms/{ROOM}/lotteries", headers=host, json={
        "prize": "福袋", "winners": 1, "condition": "follow", "duration_s": 120}), 201)
    await redis.sadd(srt.keys.room(ROOM, "followers"), "fan")
    await ok(await client.post(f"/api/rooms/{ROOM}/lotteries/{lottery['id']}/enter", headers=bearer(settings, "fan")))
    await ok(await client.post(f"/api/rooms/{ROOM}/lotteries/{lottery['id']}/draw", headers=host))
    await ok(await client.post(f"/api/rooms/{ROOM}/pin", json={"text": "今晚8点开抢"}, headers=host))
    await ok(await client.post(f"/api/rooms/{ROOM}/demo/host", json={"mode": "paused"}, headers=host))

    presence = Presence(srt.redis, srt.keys, srt.bus, srt.clock, "n1")
    presence.joined(ROOM, "fan")
    await presence.sync()
    likes = LikeAggregator(srt.redis, srt.keys, srt.bus)
    likes.add(ROOM, 3)
    await likes.flush()
    log = InteractionLog(srt.redis, srt.keys)
    assert log.emit(Interaction(id="g1", kind="gift", room=ROOM, user="fan", ts=now, value=500))
    while log.pending:
        await log.flush()
    worker = RankingWorker(srt, "w", push=False)
    await worker.discover()
    for _ in range(50):
        if not await worker.step(block_ms=0):
            break
    assert await worker.push_ranks() == 1
    assert await worker.push_metrics() == 1  # the room is live


async def test_every_state_key_written_decodes_strictly_into_its_type(
        client: httpx.AsyncClient, settings: Settings, srt: Runtime, redis: Redis) -> None:
    channels = [srt.keys.room_channel(ROOM), srt.keys.room_channel("host:" + ROOM)]
    pubsub = redis.pubsub()
    await pubsub.subscribe(*channels)
    try:
        await show(client, settings, srt, redis)
        published: list[tuple[str, msgspec.Raw]] = []
        while (msg := await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)) is not None:
            data: bytes = msg["data"]
            if data.startswith(b"S"):
                published += _object.decode(data[1:]).items()
    finally:
        await pubsub.aclose()

    stored: list[tuple[str, bytes]] = []
    for room in (ROOM, "host:" + ROOM):
        for k, v in (await redis.hgetall(srt.keys.room_state(room))).items():
            stored.append((k.decode(), v))
    seen = set()
    for key, raw in [*published, *stored]:
        assert pattern_of(key) is not None, f"state key {key!r} has no type in STATE_KEYS"
        if bytes(raw) == b"null":  # a removal
            continue
        decode_value(key, bytes(raw))  # strict: a missing, extra or mistyped field raises
        seen.add(pattern_of(key))
    games = {"poll", "redpacket:{id}", "groupbuy:{deal}", "share:help"}  # written in tests/features
    assert seen == set(STATE_KEYS) - games, (set(STATE_KEYS) - games) - seen

    state = dict(stored)
    sale = next(decode_value(k, v) for k, v in stored if k.startswith("sale:"))
    assert isinstance(sale, SaleState) and sale.quantity == 5 and sale.price == 4900
    assert decode_value(f"stock:{sale.id}", state[f"stock:{sale.id}"]) == 5
    drawn = decode_value("lottery", state["lottery"])
    assert isinstance(drawn, LotteryState) and drawn.status == "drawn" and drawn.winners == ["fan"]
    assert drawn.names == {"fan": "fan"}  # the id where no name is known


def test_a_value_that_does_not_fit_its_type_is_refused() -> None:
    good = msgspec.json.encode({"msg": "", "text": "hi", "by": "h1", "ts": 1})
    assert decode_value("pinned", good).text == "hi"
    for bad in ({"msg": "", "text": "hi", "by": "h1"}, {"msg": "", "text": "hi", "by": "h1", "ts": 1, "name": "x"},
                {"msg": "", "text": 5, "by": "h1", "ts": 1}):
        with pytest.raises(msgspec.ValidationError):
            decode_value("pinned", msgspec.json.encode(bad))
    with pytest.raises(msgspec.ValidationError):
        decode_value("stock:s1", b'"5"')
    with pytest.raises(KeyError):
        decode_value("stocks", b"5")
