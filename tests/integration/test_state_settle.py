"""Two processes publish the same latest-value-wins field; their read-then-write can interleave so that the
older value lands last. The settle publish puts the latest one back once the changes stop."""

from __future__ import annotations

import asyncio
from typing import Any

from livecore.commerce.state_publish import StatePublisher
from livecore.config import Settings
from livecore.runtime import open_runtime

ROOM = "settle-room"


async def until_state(rt: Any, value: Any, within_s: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while (await rt.bus.state(ROOM)).get("count") != value:
        assert asyncio.get_running_loop().time() < deadline, f"the room state never held {value}"
        await asyncio.sleep(0.02)


async def test_an_older_value_written_last_is_replaced_by_the_settle(settings: Settings, redis: Any) -> None:
    async with open_runtime(settings, database=False) as rt:
        truth = {"grabbed": 1}
        late = asyncio.Event()

        async def slow_read() -> Any:  # process A reads, then stalls before its write
            value = dict(truth)
            await late.wait()
            return value

        async def read() -> Any:
            return dict(truth)

        a = StatePublisher(rt, interval_s=0.0, settle_s=0.3)
        b = StatePublisher(rt, interval_s=0.0, settle_s=0.3)
        try:
            a.mark(ROOM, "count", slow_read)
            await asyncio.sleep(0.05)  # A has read {"grabbed": 1}
            truth["grabbed"] = 2
            await b.publish_now(ROOM, "count", read)
            assert (await rt.bus.state(ROOM))["count"] == {"grabbed": 2}
            late.set()
            await until_state(rt, {"grabbed": 1})  # A's stale write lands after B's
            # A's settle re-reads (its read no longer stalls) and writes what holds
            await until_state(rt, {"grabbed": 2})
        finally:
            await a.close()
            await b.close()


async def test_no_settle_when_it_is_switched_off_and_close_cancels_a_waiting_one(settings: Settings,
                                                                                  redis: Any) -> None:
    async with open_runtime(settings, database=False) as rt:
        reads = 0

        async def read() -> Any:
            nonlocal reads
            reads += 1
            return reads

        off = StatePublisher(rt, interval_s=0.0, settle_s=0)
        off.mark(ROOM, "n", read)
        await off.drain()
        await asyncio.sleep(0.2)
        assert reads == 1
        on = StatePublisher(rt, interval_s=0.0, settle_s=0.1)
        on.mark(ROOM, "n", read)
        await on.drain()
        await asyncio.sleep(0.4)
        assert reads == 3  # the flush, then one settle
        on.mark(ROOM, "n", read)
        await on.drain()
        await on.close()  # its settle is cancelled
        await asyncio.sleep(0.3)
        assert reads == 4
