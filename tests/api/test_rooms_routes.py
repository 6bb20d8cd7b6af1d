"""Room management over HTTP against real Redis and PostgreSQL (the app in-process with its lifespan)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from livecore.api.app import build_app
from livecore.auth import issue
from livecore.config import Settings
from livecore.keys import Keys
from livecore.people import PeopleStore
from livecore.protocol.codec import event_decoder
from livecore.protocol.events import LiveEvent, ProductEvent
from livecore.ranking.names import RankKeys
from livecore.storage.db import connect


@pytest.fixture
async def client(settings: Settings, migrated: str, redis: Redis) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(settings.with_(demo=True))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as c:
            yield c


def bearer(settings: Settings, user: str, role: str = "host", room: str | None = "r1") -> dict[str, str]:
    return {"authorization": "Bearer " + issue(settings.secret, user, role=role, room=room, name=user.upper())}


async def make_room(client: httpx.AsyncClient, settings: Settings, room: str = "r1") -> dict[str, str]:
    h = bearer(settings, "h1", room=room)
    r = await client.post("/api/rooms", json={"id": room, "title": "春季上新", "cover": "/c.jpg", "words": ["坏词"]},
                          headers=h)
    assert r.status_code == 201, r.text
    return h


async def test_config_and_dev_login(client: httpx.AsyncClient, settings: Settings) -> None:
    r = await client.get("/api/config")
    assert r.json() == {"gateway_url": f"ws://api.test:{settings.gateway_port}/ws", "demo": True,
                        "heartbeat_s": settings.heartbeat_s}
    r = await client.post("/api/dev/login", json={"user": "u1", "name": "小明", "role": "host", "room": "r9"})
    assert r.status_code == 200
    who = r.json()
    assert who["role"] == "host" and who["room"] == "r9" and who["name"] == "小明"
    # the token it returns controls r9 and nothing else
    r = await client.post("/api/rooms", json={"id": "r9"}, headers={"authorization": "Bearer " + who["token"]})
    assert r.status_code == 201
    r = await client.post("/api/rooms", json={"id": "r8"}, headers={"authorization": "Bearer " + who["token"]})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = await client.post("/api/dev/login", json={"user": "u1", "role": "host"})
    assert r.status_code == 400 and "room" in r.json()["error"]["message"]


async def test_dev_login_only_in_demo_mode(settings: Settings, migrated: str, redis: Redis) -> None:
    app = build_app(settings.with_(demo=False))
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c):
        r = await c.post("/api/dev/login", json={"user": "u1", "role": "admin"})
        assert r.status_code == 404


async def test_room_create_get_patch_and_refusals(client: httpx.AsyncClient, settings: Settings,
                                                  redis: Redis) -> None:
    assert (await client.post("/api/rooms", json={"id": "r1"})).status_code == 401
    h = await make_room(client, settings)
    r = await client.get("/api/rooms/r1")
    assert r.json() == {"id": "r1", "host": "h1", "title": "春季上新", "cover": "/c.jpg", "live": False,
                        "session": None}
    # a host of another room can neither read the console data nor change this room; a viewer neither
    for other in (bearer(settings, "h2", room="r2"), bearer(settings, "v1", role="viewer", room=None)):
        assert (await client.get("/api/rooms/r1/console", headers=other)).status_code == 403
        assert (await client.patch("/api/rooms/r1", json={"title": "x"}, headers=other)).status_code == 403
    r = await client.patch("/api/rooms/r1", json={"title": "夏日清仓"}, headers=h)
    assert r.status_code == 200 and r.json()["title"] == "夏日清仓"
    state = await redis.hgetall(Keys(settings.key_prefix).room_state("r1"))
    assert state[b"title"].decode() == '"夏日清仓"'
    r = await client.get("/api/rooms/r1/console", headers=h)
    assert r.status_code == 200
    boot = r.json()
    assert boot["room"]["words"] == ["坏词"] and boot["me"]["user"] == "h1" and boot["products"] == []
    assert (await client.get("/api/rooms/nope/console", headers=bearer(settings, "h1", room="nope"))).status_code == 404
    r = await client.patch("/api/rooms/r1", json={"title": "x" * 200}, headers=h)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"


async def test_products_push_to_screen_one_at_a_time(client: httpx.AsyncClient, settings: Settings,
                                                     redis: Redis) -> None:
    h = await make_room(client, settings)
    keys = Keys(settings.key_prefix)
    a = (await client.post("/api/rooms/r1/products", json={"title": "保温杯", "price": 5900, "list_price": 9900},
                           headers=h)).json()
    b = (await client.post("/api/rooms/r1/products", json={"title": "围巾", "price": 12900,
                                                           "skus": [{"title": "红", "price": 12900},
                                                                    {"title": "灰", "price": 11900}]},
                           headers=h)).json()
    assert a["price"] == 5900 and a["list_price"] == 9900 and len(a["skus"]) == 1
    assert b["price"] == 11900 and [s["title"] for s in b["skus"]] == ["红", "灰"]
    listed = (await client.get("/api/rooms/r1/products")).json()
    assert [p["id"] for p in listed] == [a["id"], b["id"]]
    r = await client.post("/api/rooms/r1/products", json={"title": "x", "price": -1}, headers=h)
    assert r.status_code == 400

    for p in (a, b):
        r = await client.post(f"/api/rooms/r1/products/{p['id']}/push", headers=h)
        assert r.status_code == 200
    state = await redis.hget(keys.room_state("r1"), "product")
    assert b'"id":"%s"' % b["id"].encode() in state  # the last push replaced the first
    events = [event_decoder.decode(e[1][b"e"]) for e in await redis.xrange(keys.room_events("r1"))]
    pushes = [e for e in events if isinstance(e, ProductEvent)]
    assert [e.product["id"] for e in pushes if e.product] == [a["id"], b["id"]]

    r = await client.patch(f"/api/rooms/r1/products/{b['id']}", json={"price": 9900, "title": "羊毛围巾"}, headers=h)
    assert r.json()["price"] == 9900 and r.json()["title"] == "羊毛围巾"
    assert b'"price":9900' in await redis.hget(keys.room_state("r1"), "product")  # screen follows the edit

    assert (await client.delete(f"/api/rooms/r1/products/{b['id']}", headers=h)).status_code == 200
    assert await redis.hget(keys.room_state("r1"), "product") is None  # removed from screen too
    assert [p["id"] for p in (await client.get("/api/rooms/r1/products")).json()] == [a["id"]]
    other = bearer(settings, "h2", room="r2")
    assert (await client.post(f"/api/rooms/r1/products/{a['id']}/push", headers=other)).status_code == 403
    assert (await client.post("/api/rooms/r1/products/nope/push", headers=h)).status_code == 404


async def test_live_session_lifecycle_and_audit(client: httpx.AsyncClient, settings: Settings, redis: Redis) -> None:
    h = await make_room(client, settings)
    keys = Keys(settings.key_prefix)
    r = await client.post("/api/rooms/r1/live/start", json={"title": "周末专场"}, headers=h)
    assert r.status_code == 201
    sid = r.json()["id"]
    assert (await client.post("/api/rooms/r1/live/start", headers=h)).json()["error"]["code"] == "already"
    room = (await client.get("/api/rooms/r1")).json()
    assert room["live"] is True and room["session"] == sid and room["title"] == "周末专场"
    r = await client.post("/api/rooms/r1/live/end", headers=h)
    assert r.status_code == 200 and r.json()["ended_at"] >= r.json()["started_at"]
    assert (await client.post("/api/rooms/r1/live/end", headers=h)).json()["error"]["code"] == "not_live"
    assert (await client.get("/api/rooms/r1")).json()["live"] is False
    events = [event_decoder.decode(e[1][b"e"]) for e in await redis.xrange(keys.room_events("r1"))]
    lives = [(e.phase, e.session) for e in events if isinstance(e, LiveEvent)]
    assert lives == [("started", sid), ("ended", sid)]
    sessions = (await client.get("/api/rooms/r1/sessions", headers=h)).json()
    assert [s["id"] for s in sessions] == [sid]

    conn = await connect(settings.database_url, settings.database_schema)
    try:
        rows = await conn.fetch("SELECT actor, action FROM audit_log WHERE room_id = 'r1' ORDER BY id")
    finally:
        await conn.close()
    assert [(r["actor"], r["action"]) for r in rows] == [("h1", "room.save"), ("h1", "live.start"),
                                                         ("h1", "live.end")]
    audit = (await client.get("/api/rooms/r1/audit", headers=h)).json()
    assert [a["action"] for a in audit] == ["live.end", "live.start", "room.save"]


async def test_pages_are_served(client: httpx.AsyncClient) -> None:
    r = await client.get("/console/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"] and 'id="console"' in r.text
    r = await client.get("/room/r1")
    assert r.status_code == 200 and 'id="viewer"' in r.text
    r = await client.get("/assets/js/live.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    r = await client.get("/assets/js/sdk/livecore-client.js")  # the SDK's bundle, through which the pages speak
    assert r.status_code == 200 and "javascript" in r.headers["content-type"] and "LiveClient" in r.text
    assert (await client.get("/console", follow_redirects=False)).status_code == 307


async def test_moderation_over_http(client: httpx.AsyncClient, settings: Settings, redis: Redis) -> None:
    h = await make_room(client, settings)
    keys = Keys(settings.key_prefix)
    r = await client.post("/api/rooms/r1/mute", json={"user": "v7", "seconds": 60}, headers=h)
    assert r.status_code == 200 and r.json()["user"] == "v7"
    await PeopleStore(redis, keys).remember("v7", "小七")  # what a gateway writes when v7 joins
    muted = (await client.get("/api/rooms/r1/muted", headers=h)).json()
    assert [m["user"] for m in muted] == ["v7"] and muted[0]["until"] == r.json()["until"]
    assert muted[0]["name"] == "小七"  # the name beside the id
    assert await redis.zscore(keys.room_moderation("r1", "muted"), "v7") is not None  # what gateways enforce
    assert (await client.post("/api/rooms/r1/unmute", json={"user": "v7"}, headers=h)).status_code == 200
    assert (await client.get("/api/rooms/r1/muted", headers=h)).json() == []

    assert (await client.post("/api/rooms/r1/messages/m42/delete", headers=h)).status_code == 200
    last = (await redis.xrevrange(keys.room_events("r1"), count=1))[0][1][b"e"]
    assert b'"moderation"' in last and b'"m42"' in last

    r = await client.post("/api/rooms/r1/pin", json={"msg": "m1", "text": "今晚8点秒杀"}, headers=h)
    assert r.json()["pinned"]["text"] == "今晚8点秒杀"
    assert b"m1" in await redis.hget(keys.room_state("r1"), "pinned")
    await client.post("/api/rooms/r1/pin", json={}, headers=h)
    assert await redis.hget(keys.room_state("r1"), "pinned") is None

    assert sorted(await redis.smembers(keys.room_moderation("r1", "words"))) == ["坏词".encode()]
    r = await client.put("/api/rooms/r1/words", json={"words": [" 假货 ", "骗子", "假货"]}, headers=h)
    assert r.json()["words"] == ["假货", "骗子"]
    assert (await client.get("/api/rooms/r1/words", headers=h)).json()["words"] == ["假货", "骗子"]
    assert sorted(w.decode() for w in await redis.smembers(keys.room_moderation("r1", "words"))) == ["假货", "骗子"]

    other = bearer(settings, "h2", room="r2")
    for path, payload in (("/mute", {"user": "v1"}), ("/unmute", {"user": "v1"}), ("/pin", {"text": "x"}),
                          ("/messages/m1/delete", None)):
        r = await client.post("/api/rooms/r1" + path, json=payload, headers=other)
        assert r.status_code == 403, path
    assert (await client.put("/api/rooms/r1/words", json={"words": []}, headers=other)).status_code == 403
    actions = [a["action"] for a in (await client.get("/api/rooms/r1/audit", headers=h)).json()]
    assert actions[:6] == ["words", "unpin", "pin", "delete", "unmute", "mute"]


async def test_gift_catalogue(client: httpx.AsyncClient) -> None:
    gifts = (await client.get("/api/gifts")).json()
    assert {"id": "rose", "name": "玫瑰", "price": 100} in gifts


async def test_created_rooms_are_known_to_the_rankings_and_registered_again_at_start(
        client: httpx.AsyncClient, settings: Settings, redis: Redis) -> None:
    known = RankKeys(Keys(settings.key_prefix)).known()
    await make_room(client, settings, "r1")
    assert await redis.sismember(known, "r1")
    await redis.delete(known)  # e.g. a Redis that lost its data, or rooms made before the set existed
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        assert await redis.smembers(known) == {b"r1"}
