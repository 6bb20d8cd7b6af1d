"""Real ``livecore gateway`` subprocesses: cross-process delivery, presence summed across nodes, SIGTERM."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from gwhelpers import collect, token, until

from livecore.client import LiveClient
from livecore.protocol import client as c
from livecore.protocol.server import Result


async def test_two_gateways_deliver_every_barrage_and_gift_to_viewers_on_both(settings, redis, spawn_gateway) -> None:  # type: ignore[no-untyped-def]
    opts = dict(tick_ms=50, barrage_budget=200, chat_rate=50.0, chat_burst=50)
    gws = [spawn_gateway(**opts), spawn_gateway(**opts)]
    viewers = []
    for i in range(6):
        v = await LiveClient(gws[i % 2].url, token(settings, f"v{i}"), reconnect=False).connect()
        await v.join("x")
        viewers.append(v)
    senders = viewers[:2]  # one on each gateway
    chat_ids, gift_offsets = [], []
    for i in range(30):  # 30 chats over ~1.5 s: below the budget, so every one must arrive
        answer = await senders[i % 2].request(c.Chat(text=f"第{i}条"))
        assert isinstance(answer, Result), answer
        chat_ids.append(answer.data["id"])
        if i % 5 == 0:
            gift = await senders[(i + 1) % 2].request(c.Gift(gift="heart", count=2))
            assert isinstance(gift, Result), gift
            gift_offsets.append(gift.data["offset"])
        await asyncio.sleep(0.05)
    for v in viewers:
        events = await collect(v, lambda ev: {e.get("id") for e in ev} >= set(chat_ids)
                               and {e.get("offset") for e in ev} >= set(gift_offsets))
        assert [e["id"] for e in events if e["type"] == "chat"] == chat_ids  # all of them, once, in order
        assert [e["offset"] for e in events if e["type"] == "gift"] == gift_offsets
    await until(lambda: all(v.state.get("online") == 6 for v in viewers), timeout=15)  # summed across nodes
    for v in viewers:
        await v.close()
    for gw in gws:
        assert gw.terminate() == 0


async def test_sigterm_closes_viewers_with_1012_and_exits_cleanly(settings, redis, spawn_gateway) -> None:  # type: ignore[no-untyped-def]
    gw = spawn_gateway()
    other = spawn_gateway()
    viewers = []
    for i in range(3):
        v = await LiveClient(gw.url, token(settings, f"v{i}"), reconnect=False).connect()
        await v.join("t")
        viewers.append(v)
    watcher = await LiveClient(other.url, token(settings, "w"), reconnect=False).connect()
    await watcher.join("t")
    await until(lambda: watcher.state.get("online") == 4, timeout=15)
    await v.send(c.Like(count=3))
    code = await asyncio.get_running_loop().run_in_executor(None, gw.terminate)
    assert code == 0
    assert [v.close_code for v in viewers] == [1012] * 3
    assert all(v.close_reason == "service restart" for v in viewers)
    await until(lambda: watcher.state.get("online") == 1 and watcher.state.get("likes") == 3, timeout=15)
    await watcher.close()
    ix = await redis.xlen(f"{settings.key_prefix}:{{r:t}}:ix")
    assert ix >= 3 + 3 + 1  # enter x4, leave x3, like: flushed by the stopping gateway before it exited


async def test_procs_share_a_port_each_a_node_and_sigterm_closes_all_with_1012(settings, redis, spawn_gateway) -> None:  # type: ignore[no-untyped-def]
    gw = spawn_gateway(processes=2)
    deadline = time.monotonic() + 30
    while Path(gw.log).read_text().count(" ready on ") < 2:  # both children listen before clients connect
        assert time.monotonic() < deadline and gw.proc.poll() is None, Path(gw.log).read_text()
        await asyncio.sleep(0.05)
    viewers = []
    for i in range(16):
        v = await LiveClient(gw.url, token(settings, f"p{i}"), reconnect=False).connect()
        await v.join("shared")
        viewers.append(v)
    key = f"{settings.key_prefix}:{{r:shared}}:presence"
    await until(lambda: viewers[0].state.get("online") == 16, timeout=15)
    nodes = await redis.hgetall(key)
    assert len(nodes) == 2  # one presence entry per process, and the kernel gave each of them viewers
    assert sum(int(v.split(b":")[0]) for v in nodes.values()) == 16
    code = await asyncio.get_running_loop().run_in_executor(None, gw.terminate)
    assert code == 0
    assert [v.close_code for v in viewers] == [1012] * 16
