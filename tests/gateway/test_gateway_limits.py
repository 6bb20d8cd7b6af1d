"""Limits of one gateway, on real sockets and real Redis: connection caps per user and per address (4507),
per-user limits on likes (capped silently), shares, follows and gifts (``rate_limited``), gifts past a user's
reliable budget shown live but kept out of the replay stream, binary frames (1003), deeply nested frames
(``bad_frame``), and gift idempotency keys of user ids containing ``:``."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from gwhelpers import collect, token, until, url
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from livecore.client import LiveClient
from livecore.config import Settings
from livecore.gateway.likes import likes_key
from livecore.protocol import client as c
from livecore.protocol.server import Error, Result


async def _closed_with(ws: ClientConnection, timeout: float = 5.0) -> int | None:
    try:
        async with asyncio.timeout(timeout):
            async for _ in ws:
                pass
    except ConnectionClosed:
        pass
    return ws.close_code


async def _client(settings: Settings, gw: Any, user: str, room: str = "lim") -> LiveClient:
    client = await LiveClient(url(gw.port), token(settings, user), reconnect=False).connect()
    await client.join(room)
    return client


async def test_connections_are_capped_per_user_and_per_address(settings: Settings, start_gateway) -> None:  # type: ignore[no-untyped-def]
    gw = await start_gateway(max_connections_per_user=3, max_connections_per_address=5)
    first = [await connect(url(gw.port) + "?token=" + token(settings, "u")) for _ in range(3)]
    extra = await connect(url(gw.port) + "?token=" + token(settings, "u"))
    assert await _closed_with(extra) == 4507
    for ws in first:  # the admitted ones are served
        await ws.send('{"type":"ping","t":1}')
        assert b"pong" in await ws.recv(decode=False)
    others = [await connect(url(gw.port) + "?token=" + token(settings, f"o{i}")) for i in range(3)]
    assert await _closed_with(others[-1]) == 4507  # 3 + 2 = 5 from this address: the sixth is refused
    await first[0].close()
    await until(lambda: gw.caps.held(user="u") == 2)
    again = await connect(url(gw.port) + "?token=" + token(settings, "u"))
    await again.send('{"type":"ping","t":2}')
    assert b"pong" in await again.recv(decode=False)
    for ws in [*first[1:], *others[:2], again]:
        await ws.close()
    await until(lambda: gw.caps.held(address="127.0.0.1") == 0)
    assert gw.stats.closes.get(4507) == 2


async def test_likes_past_the_user_rate_are_dropped_without_an_answer(settings: Settings, start_gateway,  # type: ignore[no-untyped-def]
                                                                     redis) -> None:
    gw = await start_gateway(tick_ms=50, like_rate=10.0, like_burst=150)
    tapper = await _client(settings, gw, "tapper")
    started = time.monotonic()
    for _ in range(100):  # 10 000 likes in 100 frames
        await tapper.send(c.Like(count=100))
    answer = await tapper.request(c.Chat(text="still here"))  # served; no error came before the answer
    assert isinstance(answer, Result)
    assert not any(isinstance(m, Error) for m in tapper._queue._queue)  # type: ignore[attr-defined]
    elapsed = time.monotonic() - started
    await until(lambda: gw.likes.flushed > 0)
    await asyncio.sleep(0.2)
    total = int(await redis.get(likes_key(gw.keys, "lim")) or 0)
    assert 150 <= total <= 150 + 10 * (elapsed + 0.5)
    assert tapper.connected and tapper.close_code is None
    other = await _client(settings, gw, "other")
    await other.send(c.Like(count=100))  # another user's likes are their own
    await until(lambda: gw.likes._pending.get("lim", 0) == 0)
    await asyncio.sleep(0.2)
    assert int(await redis.get(likes_key(gw.keys, "lim")) or 0) >= total + 100


async def test_shares_follows_and_gifts_past_the_user_rate_are_rate_limited(settings: Settings,  # type: ignore[no-untyped-def]
                                                                            start_gateway) -> None:
    gw = await start_gateway(share_burst=3, share_rate=0.01, follow_burst=2, follow_rate=0.01, gift_burst=4,
                             gift_rate=0.01, flood_refusals=100)
    user = await _client(settings, gw, "busy")
    for _ in range(5):
        await user.send(c.Share())
    for _ in range(4):
        await user.send(c.Follow())
    answers = [await user.request(c.Gift(gift="rose")) for _ in range(6)]
    assert [isinstance(a, Result) for a in answers] == [True] * 4 + [False] * 2
    assert all(a.code == "rate_limited" and a.retry_after and a.retry_after > 0  # type: ignore[union-attr]
               for a in answers[4:])
    errors: list[Error] = []
    while len(errors) < 4:
        msg = await user.next(5)
        assert msg is not None, errors
        if isinstance(msg, Error):
            errors.append(msg)
    assert [e.code for e in errors] == ["rate_limited"] * 4  # 2 shares and 2 follows over their bursts
    assert (await _client(settings, gw, "calm")).connected
    calm_gift = await (await _client(settings, gw, "calm2")).request(c.Gift(gift="rose"))
    assert isinstance(calm_gift, Result)


async def test_one_users_gifts_cannot_flush_the_replay_stream(settings: Settings, start_gateway, redis) -> None:  # type: ignore[no-untyped-def]
    gw = await start_gateway(tick_ms=50, gift_rate=1000.0, gift_burst=1000, gift_reliable_burst=3,
                             gift_reliable_rate=0.01, room_events_maxlen=10)
    watcher = await _client(settings, gw, "watcher")
    spammer = await _client(settings, gw, "spammer")
    kind = await _client(settings, gw, "kind")
    kept = await kind.request(c.Gift(gift="rocket"))
    assert isinstance(kept, Result) and kept.data["offset"]
    answers = [await spammer.request(c.Gift(gift="rose")) for _ in range(40)]
    assert all(isinstance(a, Result) for a in answers)
    offsets = [a.data["offset"] for a in answers]  # type: ignore[union-attr]
    assert all(offsets[:3]) and not any(offsets[3:])
    stream = await redis.xrange(gw.keys.room_events("lim"))
    assert kept.data["offset"] in [entry_id.decode() for entry_id, _ in stream]  # still replayable
    assert len(stream) == 4
    events = await collect(watcher, lambda ev: sum(e["type"] == "gift" for e in ev) >= 41)
    assert sum(e["type"] == "gift" and e["user"] == "spammer" for e in events) == 40  # all shown live


async def test_binary_and_deeply_nested_frames(settings: Settings, start_gateway) -> None:  # type: ignore[no-untyped-def]
    gw = await start_gateway()
    client = await _client(settings, gw, "nester")
    deep = '{"type":"chat","text":"x","extra":' + "[" * 1000 + "]" * 1000 + "}"
    assert len(deep) < settings.max_frame_bytes
    await client.send_raw(deep)
    got = await client.next(5)
    assert isinstance(got, Error) and got.code == "bad_frame", got
    strings = '{"type":"chat","text":"' + "[" * 100 + '","rid":"s"}'  # brackets in a string are text
    answer = await client.request(c.Chat(text="served after it"))
    assert isinstance(answer, Result)
    await client.send_raw(strings)
    got = await client.next(5)
    assert isinstance(got, (Result, Error)) and getattr(got, "code", "") != "bad_frame", got
    assert gw.stats.refused.get("internal", 0) == 0
    await client.send_raw(b"\x00\x01binary")
    await until(lambda: client.close_code is not None)
    assert client.close_code == 1003


async def test_gift_keys_of_users_with_colons_do_not_collide(settings: Settings, start_gateway) -> None:  # type: ignore[no-untyped-def]
    gw = await start_gateway()
    first = await (await _client(settings, gw, "u:x")).request(c.Gift(gift="rose", key="k"))
    second = await (await _client(settings, gw, "u")).request(c.Gift(gift="rose", key="x:k"))
    assert isinstance(first, Result) and isinstance(second, Result)
    assert not second.data.get("duplicate") and second.data["id"] != first.data["id"]
