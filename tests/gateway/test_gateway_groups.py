"""Fan-out groups: a room's viewers are written group by group, each group with its own merger. Every viewer
must still get every event exactly once and in publication order, including viewers that join while events
flow (and so land in groups created mid-stream)."""

from __future__ import annotations

import asyncio
from typing import Any

from gwhelpers import collect, token, until, url

from livecore.broker import offsets
from livecore.client import LiveClient
from livecore.gateway.hub import Room
from livecore.protocol import client as c
from livecore.protocol.server import Result


async def viewer(settings: Any, gw: Any, user: str, room: str = "grp") -> LiveClient:
    client = await LiveClient(url(gw.port), token(settings, user), reconnect=False).connect()
    await client.join(room)
    return client


def keyed(events: list[dict[str, Any]]) -> list[str]:
    return [e["id"] for e in events if e["type"] in ("chat", "gift")]


async def test_every_viewer_of_every_group_gets_every_event_once_in_order(  # type: ignore[no-untyped-def]
        settings, start_gateway) -> None:
    gw = await start_gateway(tick_ms=30, fanout_group=3, barrage_budget=0, chat_rate=1000.0, chat_burst=1000)
    early = [await viewer(settings, gw, f"early{i}") for i in range(8)]
    sender = early[0]
    room = gw.hub.rooms["grp"]
    assert len(room.groups) == 3 and sorted(len(g) for g in room.groups) == [2, 3, 3]

    sent: list[str] = []
    gift_offsets: list[str] = []
    gift_ids: set[str] = set()
    late: list[tuple[LiveClient, str]] = []  # (viewer, the snapshot offset it joined at)
    for i in range(60):
        if i % 6 == 5:
            answer = await sender.request(c.Gift(gift="rose", count=1, key=f"g{i}"))
            assert isinstance(answer, Result)
            gift_offsets.append(answer.data["offset"])
            gift_ids.add(answer.data["id"])
        else:
            answer = await sender.request(c.Chat(text=f"message {i}"))
            assert isinstance(answer, Result)
        sent.append(answer.data["id"])
        if i in (20, 35, 50):  # joiners while events flow: new groups appear mid-stream
            joiner = await LiveClient(url(gw.port), token(settings, f"late{i}"), reconnect=False).connect()
            joined = await joiner.join("grp")
            late.append((joiner, joined.offset or ""))
        if i % 10 == 0:
            await asyncio.sleep(0.04)  # let some ticks pass between bursts

    last = sent[-1]
    for client in early:
        events = await collect(client, lambda ev: last in keyed(ev))
        assert keyed(events) == sent  # all of them, once each, in order
    assert len(room.groups) >= 4  # the late joiners did not fit in the first three groups

    chats = [i for i in sent if i not in gift_ids]
    for client, joined_at in late:
        events = await collect(client, lambda ev: last in keyed(ev))
        ids = keyed(events)
        positions = [sent.index(i) for i in ids]
        assert positions == sorted(set(positions))  # in publication order, no repeats
        got_chats = [i for i in ids if i not in gift_ids]
        first = chats.index(got_chats[0])
        assert got_chats == chats[first:]  # barrage: nothing skipped from the first one it got on
        gifts = [e["offset"] for e in events if e["type"] == "gift"]
        # reliable events: exactly those after the snapshot's offset (older ones are the snapshot's)
        assert gifts == [o for o in gift_offsets if not joined_at or offsets.before(joined_at, o)]
    for client in early + [v for v, _ in late]:
        await client.close()
    await until(lambda: not gw.hub.rooms)


async def test_groups_fill_up_and_empty_ones_go_away() -> None:
    loop = asyncio.get_running_loop()
    room = Room(name="r", channel=b"c", control=b"k", sampler=None, tick_s=0.1,  # type: ignore[arg-type]
                ready=loop.create_future(), group_size=2)
    viewers: list[Any] = [object() for _ in range(5)]
    for v in viewers:
        room.place(v).pending[v] = []
    assert [len(g) for g in room.groups] == [2, 2, 1]
    room.last_offset = "5-0"
    room.remove(viewers[0])
    room.remove(viewers[1])  # the first group is empty now and goes away
    assert [len(g) for g in room.groups] == [2, 1] and len(room) == 3
    extra: Any = object()
    group = room.place(extra)  # the smallest group takes it before a new one is made
    assert len(group) == 1 and len(room.groups) == 2
    group.pending[extra] = []
    more: Any = object()
    room.place(more)
    assert len(room.groups) == 3 and room.groups[-1].merger.last_offset == "5-0"  # starts at the room's offset
    for v in [*viewers[2:], extra, more]:
        room.remove(v)
    assert len(room.groups) == 1 and not len(room)  # the last group stays, empty
