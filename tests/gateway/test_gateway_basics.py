"""One in-process gateway, real Redis, real sockets: handshake, join, the barrage path, gifts, likes,
presence, and the documented answers to bad input while other viewers keep being served."""

from __future__ import annotations

import asyncio

import pytest
from gwhelpers import collect, token, until, url
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from livecore.client import LiveClient
from livecore.protocol import client as c
from livecore.protocol.server import Error, Joined, Result


async def viewer(settings, gw, user: str, room: str = "42", role: str = "viewer", **kw) -> LiveClient:  # type: ignore[no-untyped-def]
    client = await LiveClient(url(gw.port), token(settings, user, role, room=room if role == "host" else None),
                              reconnect=False, **kw).connect()
    await client.join(room)
    return client


@pytest.mark.parametrize("case", ["missing", "forged", "expired", "garbage"])
async def test_bad_token_is_refused_with_401_at_the_handshake(settings, start_each, case) -> None:  # type: ignore[no-untyped-def]
    gw = await start_each()
    tokens = {"missing": "", "forged": token(settings.with_(secret="x" * 40), "u1"),
              "expired": token(settings, "u1", ttl_s=-10), "garbage": "abc.def.ghi"}
    target = url(gw.port) + (f"?token={tokens[case]}" if tokens[case] else "")
    with pytest.raises(InvalidStatus) as info:
        async with connect(target):
            pass
    assert info.value.response.status_code == 401
    assert gw.stats.handshakes_refused == 1 and gw.stats.connections_total == 0
    async with connect(url(gw.port), additional_headers={"Authorization": f"Bearer {token(settings, 'ok')}"}) as ws:
        await ws.send('{"type":"ping","t":1}')
        assert b'"pong"' in await ws.recv(decode=False)


@pytest.mark.parametrize(("case", "code"), [("missing", 4501), ("forged", 4501), ("expired", 4502),
                                          ("garbage", 4501)])
async def test_a_browser_with_a_bad_token_is_told_why_by_a_close_code(settings, start_each, case, code) -> None:  # type: ignore[no-untyped-def]
    """A browser sees a refused upgrade as 1006; with an Origin header the gateway accepts and closes instead."""
    gw = await start_each()
    tokens = {"missing": "", "forged": token(settings.with_(secret="x" * 40), "u1"),
              "expired": token(settings, "u1", ttl_s=-10), "garbage": "abc.def.ghi"}
    target = url(gw.port) + (f"?token={tokens[case]}" if tokens[case] else "")
    async with connect(target, origin="http://127.0.0.1:8000") as ws:  # type: ignore[arg-type]
        with pytest.raises(ConnectionClosed) as info:
            await ws.recv()
    assert info.value.rcvd is not None and info.value.rcvd.code == code
    assert info.value.rcvd.reason == {"missing": "token missing", "expired": "token expired"}.get(case, "token invalid")
    assert gw.stats.handshakes_refused == 1 and gw.stats.connections_total == 0


async def test_join_chat_gift_like_and_presence(settings, start_gateway, redis) -> None:  # type: ignore[no-untyped-def]
    gw = await start_gateway(tick_ms=50, presence_interval_s=0.2)
    a = await viewer(settings, gw, "alice")
    b = await viewer(settings, gw, "bob")
    assert (await a.request(c.Chat(text="大家好"))).data["id"]  # type: ignore[union-attr]
    gift = await b.request(c.Gift(gift="rose", count=3, key="k1"))
    assert isinstance(gift, Result) and gift.data["value"] == 300
    again = await b.request(c.Gift(gift="rose", count=3, key="k1"))  # same key: nothing sent twice
    assert isinstance(again, Result) and again.data["duplicate"] and again.data["offset"] == gift.data["offset"]
    await b.send(c.Like(count=5))
    await a.send(c.Like(count=2))
    for client in (a, b):
        events = await collect(client, lambda ev: any(e["type"] == "gift" for e in ev))
        chat = next(e for e in events if e["type"] == "chat")
        assert chat["text"] == "大家好" and chat["user"] == "alice" and chat["name"] == "name-alice"
        gifts = [e for e in events if e["type"] == "gift"]
        assert len(gifts) == 1 and gifts[0]["offset"] == gift.data["offset"] and gifts[0]["value"] == 300
    await until(lambda: a.state.get("likes") == 7 and a.state.get("online") == 2)
    assert a.offset == gift.data["offset"]
    assert a.state["uv"] == 2 and a.state["peak"] >= 2
    await b.close()
    await until(lambda: a.state.get("online") == 1)
    assert gw.stats.gifts == 1 and gw.stats.chats == 1
    await a.close()
    await until(lambda: not gw.hub.rooms and gw.hub.unsubscribes == 1)  # last viewer gone: unsubscribed


async def test_bad_frames_get_their_codes_and_others_keep_being_served(settings, start_each) -> None:  # type: ignore[no-untyped-def]
    gw = await start_each(tick_ms=50, max_frame_bytes=1024, malformed_limit=100, flood_refusals=100)
    watcher = await viewer(settings, gw, "watcher")
    bad = await viewer(settings, gw, "bad")
    await bad.send_raw("{not json")
    await bad.send_raw('{"type":"teleport","rid":"x1"}')
    await bad.send_raw('{"type":"chat","rid":"x2"}')
    await bad.send_raw('[1,2]')
    await bad.send(c.Chat(text="x" * (settings.chat_max_chars + 1)))
    await bad.send(c.Gift(gift="unicorn"))
    await bad.send(c.Mute(user="watcher"))
    codes = []
    while len(codes) < 7:
        msg = await bad.next(10)
        if isinstance(msg, Error):
            codes.append((msg.code, msg.rid))
    assert codes == [("bad_frame", None), ("unknown_type", "x1"), ("invalid", "x2"), ("bad_frame", None),
                     ("too_long", None), ("not_found", None), ("forbidden", None)]
    await bad.send_raw("x" * 2000)  # over max_frame_bytes: closed with 1009
    await until(lambda: bad.close_code is not None)
    assert bad.close_code == 1009
    gift = await (await viewer(settings, gw, "giver")).request(c.Gift(gift="heart"))
    events = await collect(watcher, lambda ev: any(e["type"] == "gift" for e in ev))
    assert events[-1]["offset"] == gift.data["offset"]  # type: ignore[union-attr]
    assert gw.stats.refused["bad_frame"] == 2


async def test_chat_flood_is_rate_limited_then_closed_with_4504(settings, start_gateway) -> None:  # type: ignore[no-untyped-def]
    gw = await start_gateway(tick_ms=50, chat_rate=1.0, chat_burst=3, flood_refusals=10)
    watcher = await viewer(settings, gw, "watcher")
    flooder = await viewer(settings, gw, "flooder")
    for i in range(40):
        try:
            await flooder.send(c.Chat(text=f"spam {i}"))
        except Exception:
            break
    await until(lambda: flooder.close_code is not None)
    assert flooder.close_code == 4504
    errors = []
    while (msg := await flooder.next(1)) is not None:
        if isinstance(msg, Error):
            errors.append(msg)
    assert errors and all(e.code == "rate_limited" and e.retry_after and e.retry_after > 0 for e in errors)
    events = await collect(watcher, lambda ev: len([e for e in ev if e["type"] == "chat"]) >= 3)
    assert [e["text"] for e in events if e["type"] == "chat"] == ["spam 0", "spam 1", "spam 2"]
    assert (await watcher.request(c.Chat(text="still here"))).data["id"]  # type: ignore[union-attr]
    assert gw.stats.closes[4504] == 1


async def test_repeated_malformed_frames_close_with_4506(settings, start_each) -> None:  # type: ignore[no-untyped-def]
    gw = await start_each(malformed_limit=3)
    bad = await viewer(settings, gw, "bad")
    for _ in range(5):
        try:
            await bad.send_raw("nope")
        except Exception:
            break
    await until(lambda: bad.close_code is not None)
    assert bad.close_code == 4506


async def test_idle_connection_is_closed_with_4002_and_ping_answers_pong(settings, start_each) -> None:  # type: ignore[no-untyped-def]
    gw = await start_each(idle_timeout_s=1.0)
    client = await LiveClient(url(gw.port), token(settings, "u"), reconnect=False, heartbeat_s=0.3).connect()
    idle = await LiveClient(url(gw.port), token(settings, "v"), reconnect=False, heartbeat_s=3600).connect()
    await client.send(c.Ping(t=1.5))
    await until(lambda: idle.close_code is not None, timeout=10)
    assert idle.close_code == 4002
    assert client.close_code is None and client.rtt is not None  # its heartbeats kept it open


async def test_room_rules_host_room_and_room_bound_tokens(settings, start_gateway) -> None:  # type: ignore[no-untyped-def]
    gw = await start_gateway()
    v = await LiveClient(url(gw.port), token(settings, "v"), reconnect=False).connect()
    with pytest.raises(RuntimeError, match="forbidden"):
        await v.join("host:42")
    with pytest.raises(RuntimeError, match=r"not_joined|invalid"):
        await v.join("bad room id!")
    host = await LiveClient(url(gw.port), token(settings, "h", "host", room="42"), reconnect=False).connect()
    joined = await host.join("host:42")
    assert isinstance(joined, Joined) and joined.role == "host"
    await host.send(c.Join(room="7"))  # a token bound to room 42 may not join room 7
    await until(lambda: host.close_code is not None)
    assert host.close_code == 4503
    assert isinstance(await v.request(c.Chat(text="hi")), Error)  # not joined yet


async def test_interactions_carry_the_live_session_the_room_is_in(settings, start_gateway, redis) -> None:  # type: ignore[no-untyped-def]
    from livecore.interactions.model import decoder as interaction_decoder

    gw = await start_gateway(tick_ms=50)
    await gw.bus.set_state("s42", {"live": True, "session": "s1"})
    a = await viewer(settings, gw, "alice", room="s42")  # enters during session s1
    await a.send(c.Like(count=1))
    await until(lambda: a.state.get("likes") == 1)
    await gw.bus.set_state("s42", {"live": True, "session": "s2"})  # a new show in the same room
    await until(lambda: a.state.get("session") == "s2")
    await a.send(c.Share())

    async def logged() -> list:  # type: ignore[type-arg]
        entries = await redis.xrange(gw.keys.interactions("s42"))
        return [interaction_decoder.decode(f[b"i"]) for _, f in entries]

    found: list = []  # type: ignore[type-arg]
    for _ in range(200):
        found = await logged()
        if len(found) >= 3:
            break
        await asyncio.sleep(0.05)
    assert [(i.kind, i.session) for i in found] == [("enter", "s1"), ("like", "s1"), ("share", "s2")]
    await a.close()
