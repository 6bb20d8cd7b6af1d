"""The ranking worker from a host's point of view: it must keep going when it starts before any room has an
interaction (a fresh deployment), and the first orders after a room goes live must count for that show."""

from __future__ import annotations

import asyncio
import time

from rankhelp import ix

from livecore.interactions.log import InteractionLog
from livecore.interactions.model import Interaction
from livecore.workers.ranking import NOT_LIVE_TTL_S, RankingWorker


async def produce(rt, items: list[Interaction]) -> None:  # type: ignore[no-untyped-def]
    log = InteractionLog(rt.redis, rt.keys)
    for it in items:
        assert log.emit(it)
    while log.pending:
        await log.flush()


def now_ms() -> int:
    return int(time.time() * 1000)


async def test_a_round_without_any_room_yields_to_the_event_loop(rrt) -> None:  # type: ignore[no-untyped-def]
    w = RankingWorker(rrt, "idle")
    assert await w.discover() == []
    others_ran = asyncio.Event()
    asyncio.get_running_loop().call_soon(others_ran.set)
    assert await w.step() == 0
    assert others_ran.is_set()  # discovery, pushes and the process' other workers are not starved


async def test_a_worker_started_before_any_room_counts_and_pushes_to_the_host(rrt) -> None:  # type: ignore[no-untyped-def]
    w = RankingWorker(rrt, "early")
    stop = asyncio.Event()
    task = asyncio.create_task(w.run(stop))
    try:
        await asyncio.sleep(0.3)  # the worker is running and has found no room
        await rrt.bus.set_state("R", {"live": True, "session": "s1"})
        t = now_ms()
        await produce(rrt, [ix("o1", "order", "R", "a", t, value=3990), ix("o2", "order", "R", "b", t, value=3990),
                            ix("p1", "paid", "R", "a", t, value=3490, product="cup")])
        deadline = time.monotonic() + 30  # discovery every 2 s, pushes every second; the machine is shared
        metrics = None
        while time.monotonic() < deadline:
            metrics = (await rrt.bus.state("host:R")).get("metrics")
            if metrics and metrics["orders"] == 2 and metrics["gmv"] == 3490:
                break
            await asyncio.sleep(0.1)
        assert metrics is not None and (metrics["session"], metrics["orders"], metrics["gmv"]) == ("s1", 2, 3490)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_the_first_orders_after_going_live_count_for_the_new_show(rrt) -> None:  # type: ignore[no-untyped-def]
    w = RankingWorker(rrt, "w")
    # the host's console enters the room before the show: the worker learns the room is not live
    await produce(rrt, [ix("e1", "enter", "S", "host", now_ms())])
    await w.discover()
    assert await w.step(block_ms=0) == 1
    # seconds later the host goes live and the first viewer buys at once
    await rrt.bus.set_state("S", {"live": True, "session": "show1"})
    await asyncio.sleep(NOT_LIVE_TTL_S + 0.05)  # "not live" is re-checked at most this often
    await produce(rrt, [ix("o1", "order", "S", "v1", now_ms(), value=3990),
                        ix("p1", "paid", "S", "v1", now_ms(), value=3490, product="cup")])
    assert await w.step(block_ms=0) == 2
    show = await w.store.metrics("S", now_ms(), "show1")
    assert (show["orders"], show["gmv"]) == (1, 3490)
    assert [f["users"] for f in show["funnel"] if f["step"] == "ordered"] == [1]
    before = await w.store.metrics("S", now_ms(), "-")
    assert (before["enters"], before["orders"]) == (1, 0)
