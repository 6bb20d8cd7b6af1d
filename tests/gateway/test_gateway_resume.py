"""Reconnecting with ``last_offset``: missed reliable events replayed exactly once, in order; a trimmed
offset answers ``resync``; and the SDK does it by itself when the gateway restarts."""

from __future__ import annotations

import asyncio

from gwhelpers import collect, token, until, url

from livecore.client import Backoff, LiveClient
from livecore.protocol import client as c
from livecore.protocol.events import GiftEvent
from livecore.protocol.server import Joined, Resync


async def test_reconnect_replays_exactly_the_missed_events_even_while_publishing(  # type: ignore[no-untyped-def]
        settings, start_gateway, redis) -> None:
    gw = await start_gateway(tick_ms=20)
    bus = gw.bus
    first = await LiveClient(url(gw.port), token(settings, "v"), reconnect=False).connect()
    await first.join("r1")
    seen = [await bus.publish_reliable("r1", GiftEvent(id=f"g{i}", gift="rose")) for i in range(3)]
    got = await collect(first, lambda ev: len(ev) >= 3)
    assert [e["offset"] for e in got] == seen
    last = first.offset
    await first.close()

    missed = [await bus.publish_reliable("r1", GiftEvent(id=f"m{i}", gift="rose")) for i in range(5)]
    stop = asyncio.Event()

    async def publish_meanwhile() -> list[str]:  # live events racing the join's subscribe/replay
        out = []
        while not stop.is_set() or len(out) < 20:
            out.append(await bus.publish_reliable("r1", GiftEvent(id=f"x{len(out)}", gift="rose")))
            await asyncio.sleep(0.002)
        return out

    publisher = asyncio.create_task(publish_meanwhile())
    await asyncio.sleep(0.01)
    again = await LiveClient(url(gw.port), token(settings, "v"), reconnect=False).connect()
    joined = await again.join("r1", last_offset=last)
    stop.set()
    during = await publisher
    expected = missed + during
    got = await collect(again, lambda ev: len(ev) >= len(expected) and ev[-1]["offset"] == expected[-1])
    offsets = [e["offset"] for e in got]
    assert offsets == expected  # everything after last_offset, once each, in stream order
    assert joined.replayed >= len(missed)
    assert again.offset == expected[-1]


async def test_trimmed_offset_gets_resync_with_fresh_snapshot(settings, start_gateway, redis) -> None:  # type: ignore[no-untyped-def]
    gw = await start_gateway()
    old = await gw.bus.publish_reliable("r2", GiftEvent(id="g0"))
    for i in range(5):
        await gw.bus.publish_reliable("r2", GiftEvent(id=f"g{i + 1}"))
    await gw.bus.set_state("r2", {"title": "new"})
    await redis.xtrim(gw.keys.room_events("r2"), maxlen=2, approximate=False)
    client = await LiveClient(url(gw.port), token(settings, "v"), reconnect=False).connect()
    joined = await client.join("r2", last_offset=old)
    assert isinstance(joined, Joined) and joined.replayed == 0
    resync = await client.next(5)
    assert isinstance(resync, Resync)
    assert resync.state["title"] == "new" and resync.offset == await gw.bus.last_offset("r2")
    assert client.offset == resync.offset


async def test_sdk_reconnects_after_a_restart_and_resumes(settings, start_gateway) -> None:  # type: ignore[no-untyped-def]
    gw = await start_gateway(tick_ms=20)
    port = gw.port
    client = await LiveClient(url(port), token(settings, "v"), backoff=Backoff(base=0.05, cap=0.5)).connect()
    await client.join("r3")
    o1 = await gw.bus.publish_reliable("r3", GiftEvent(id="before"))
    await collect(client, lambda ev: len(ev) >= 1)
    assert client.offset == o1
    await gw.stop()  # viewers are closed with 1012: reconnect
    await until(lambda: client.close_code == 1012)
    missed = [await gw.bus.publish_reliable("r3", GiftEvent(id=f"m{i}")) for i in range(3)]
    await start_gateway(port=port, tick_ms=20)
    rejoined = await client.next(20)
    assert isinstance(rejoined, Joined) and rejoined.replayed == 3
    got = await collect(client, lambda ev: len(ev) >= 3)
    assert [e["offset"] for e in got] == missed
    assert client.reconnects == 1
    assert (await client.request(c.Chat(text="back"))).data["id"]  # type: ignore[union-attr]
    await client.close()
