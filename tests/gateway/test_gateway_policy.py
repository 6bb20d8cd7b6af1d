"""The room's barrage budget, slow viewers, and moderation, end to end."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from gwhelpers import collect, token, until, url
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from livecore.client import LiveClient
from livecore.protocol import client as c
from livecore.protocol.events import GiftEvent
from livecore.protocol.server import Error, Frame, Result


async def test_sampling_caps_barrage_at_the_budget_but_never_drops_gifts_or_host(settings, start_gateway) -> None:  # type: ignore[no-untyped-def]
    budget = 10
    gw = await start_gateway(tick_ms=50, barrage_budget=budget, chat_rate=50.0, chat_burst=50)
    viewer = await LiveClient(url(gw.port), token(settings, "viewer")).connect()
    await viewer.join("s1")
    host = await LiveClient(url(gw.port), token(settings, "h", "host", room="s1")).connect()
    await host.join("s1")
    senders = []
    for i in range(5):
        s = await LiveClient(url(gw.port), token(settings, f"u{i}")).connect()
        await s.join("s1")
        senders.append(s)
    gifts, hosts = [], []
    for round_ in range(20):  # ~2 s at ~50 barrage/s offered, 5x the budget
        await asyncio.gather(*(s.send(c.Chat(text=f"{s.token[-6:]} {round_}")) for s in senders))
        if round_ % 4 == 0:
            gifts.append((await senders[0].request(c.Gift(gift="rose"))).data["offset"])  # type: ignore[union-attr]
            hosts.append((await host.request(c.Chat(text=f"host says {round_}"))).data["id"])  # type: ignore[union-attr]
        await asyncio.sleep(0.1)
    events = await collect(viewer, lambda ev: {e.get("offset") for e in ev} >= set(gifts)
                           and {e.get("id") for e in ev} >= set(hosts))
    barrage = [e for e in events if e["type"] == "chat" and e.get("role", "viewer") == "viewer"]
    per_second = Counter(e["ts"] // 1000 for e in barrage)
    assert barrage and max(per_second.values()) <= budget
    assert 100 - len(barrage) >= 100 - budget * (len(per_second) + 1)
    assert gw.hub.stats.drops["sampled"] >= 100 - len(barrage) - 5
    assert [e["offset"] for e in events if e["type"] == "gift"] == gifts
    assert [e["id"] for e in events if e.get("role") == "host"] == hosts


async def test_slow_viewer_is_closed_with_4001_and_others_are_not_delayed(settings, start_each) -> None:  # type: ignore[no-untyped-def]
    gw = await start_each(tick_ms=20, slow_high_water=32 * 1024, slow_limit=128 * 1024, slow_timeout_s=1.0)
    fast = await LiveClient(url(gw.port), token(settings, "fast"), reconnect=False).connect()
    await fast.join("slow")
    # a viewer that stops reading: websockets pauses reading once 4 messages wait unread, then TCP fills up
    slow = await connect(url(gw.port) + "?token=" + token(settings, "snail"), max_queue=4, compression=None)
    await slow.send('{"type":"join","room":"slow"}')
    blob = "x" * 20_000
    latencies = []
    for i in range(300):
        sent = time.monotonic()
        offset = await gw.bus.publish_reliable("slow", GiftEvent(id=f"g{i}", name=blob))
        while True:
            msg = await fast.next(10)
            assert isinstance(msg, Frame), msg
            if msg.offset is not None and msg.offset >= offset:
                break
        latencies.append(time.monotonic() - sent)
        if gw.stats.slow_closed:
            break
    assert gw.stats.slow_closed == 1 and gw.stats.closes[4001] == 1
    assert max(latencies) < 2.0  # generous: the fast viewer never waited on the slow one
    codes = []

    async def drain() -> None:
        try:
            async for _ in slow:
                pass
        except ConnectionClosed:
            pass
        finally:
            codes.append(slow.close_code)

    await asyncio.wait_for(drain(), 20)
    assert codes == [4001]
    gid = await gw.bus.publish_reliable("slow", GiftEvent(id="after"))
    got = await collect(fast, lambda ev: any(e.get("offset") == gid for e in ev))
    assert got[-1]["id"] == "after"


async def test_moderation_reaches_every_gateway(settings, start_gateway) -> None:  # type: ignore[no-untyped-def]
    gw1 = await start_gateway(tick_ms=20)
    gw2 = await start_gateway(tick_ms=20)
    host = await LiveClient(url(gw1.port), token(settings, "h", "host", room="m1"), reconnect=False).connect()
    await host.join("m1")
    user = await LiveClient(url(gw2.port), token(settings, "troll"), reconnect=False).connect()
    await user.join("m1")
    said = await user.request(c.Chat(text="买这个 加微信"))
    assert isinstance(said, Result)
    assert isinstance(await host.request(c.Mute(user="troll", seconds=60)), Result)
    await until(lambda: gw2.hub.rooms["m1"].muted.get("troll") is not None)
    refused = await user.request(c.Chat(text="again"))
    assert isinstance(refused, Error) and refused.code == "muted"
    forbidden = await user.request(c.Mute(user="h"))
    assert isinstance(forbidden, Error) and forbidden.code == "forbidden"
    assert isinstance(await host.request(c.Unmute(user="troll")), Result)
    await gw1.moderation.set_words("m1", ["微信"])
    await until(lambda: bool(gw2.hub.rooms["m1"].words))
    masked = await user.request(c.Chat(text="加我微信"))
    assert isinstance(masked, Result)
    deleted = await host.request(c.Delete(msg=said.data["id"]))
    assert isinstance(deleted, Result)
    pinned = await host.request(c.Pin(text="今晚8点秒杀"))
    assert isinstance(pinned, Result)
    events = await collect(user, lambda ev: any(e["type"] == "moderation" for e in ev))
    texts = [e["text"] for e in events if e["type"] == "chat"]
    assert "加我**" in texts
    moderation = next(e for e in events if e["type"] == "moderation")
    assert moderation.get("action", "delete") == "delete" and moderation["msg"] == said.data["id"]
    assert moderation["offset"]
    await until(lambda: (user.state.get("pinned") or {}).get("text") == "今晚8点秒杀")
    assert isinstance(await host.request(c.Pin()), Result)
    await until(lambda: "pinned" not in user.state)


async def test_host_mute_and_pin_frames_get_the_apis_checks(settings, start_gateway) -> None:  # type: ignore[no-untyped-def]
    gw = await start_gateway(tick_ms=20, malformed_limit=50)  # each refusal below counts as malformed
    host = await LiveClient(url(gw.port), token(settings, "h", "host", room="m2"), reconnect=False).connect()
    await host.join("m2")
    for bad in (c.Mute(user="troll", seconds=10**15), c.Mute(user="troll", seconds=0),
                c.Mute(user="troll", seconds=-5), c.Mute(user=""), c.Mute(user="u" * 65), c.Unmute(user=""),
                c.Pin(text="x" * 201), c.Pin(msg="m" * 65)):
        refused = await host.request(bad)
        assert isinstance(refused, Error) and refused.code == "invalid", bad
    assert await gw.moderation.muted("m2") == {}
    pinned = await host.request(c.Pin(text="\u202e今晚\n8点"))
    assert isinstance(pinned, Result) and pinned.data["pinned"]["text"] == "今晚8点"
    assert isinstance(await host.request(c.Mute(user="troll", seconds=30 * 86400)), Result)  # the API's maximum
