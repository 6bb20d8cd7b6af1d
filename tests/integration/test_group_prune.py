"""``group_prune.lua`` on real Redis: departed consumers go, a consumer holding entries or kept by name stays."""

from __future__ import annotations

from livecore.runtime import Runtime


async def consumers(rt: Runtime, stream: str) -> dict[str, int]:
    return {c["name"].decode(): int(c["pending"]) for c in await rt.redis.xinfo_consumers(stream, "g")}


async def test_only_idle_consumers_holding_nothing_are_forgotten(runtime: Runtime) -> None:
    stream = runtime.keys.room("p1", "ix")
    for i in range(3):
        await runtime.redis.xadd(stream, {"i": str(i)})
    await runtime.redis.xgroup_create(stream, "g", id="0")
    await runtime.redis.xreadgroup("g", "holding", {stream: ">"}, count=1)  # one entry pending
    done = await runtime.redis.xreadgroup("g", "departed", {stream: ">"}, count=1)
    await runtime.redis.xack(stream, "g", done[0][1][0][0])  # read and acknowledged: holds nothing
    await runtime.redis.xgroup_createconsumer(stream, "g", "me")
    await runtime.redis.xgroup_createconsumer(stream, "g", "member")
    assert await consumers(runtime, stream) == {"holding": 1, "departed": 0, "me": 0, "member": 0}

    prune = runtime.scripts.get("group_prune")
    assert await prune(keys=[stream], args=["g", 3_600_000, "me"]) == 0  # nobody idle for an hour
    assert await prune(keys=[stream], args=["g", 0, "me", "member"]) == 1
    assert await consumers(runtime, stream) == {"holding": 1, "me": 0, "member": 0}
    pending = await runtime.redis.xpending(stream, "g")
    assert pending["pending"] == 1  # the entry still waiting for its acknowledgement was not dropped
    assert await prune(keys=[stream], args=["g", 0]) == 2  # keeping no one: all that hold nothing go
    assert await consumers(runtime, stream) == {"holding": 1}
    assert await prune(keys=[runtime.keys.room("p1", "none")], args=["g", 0]) == 0  # no stream, no group
    await runtime.redis.xreadgroup("g", "me", {stream: ">"}, count=1)  # a pruned live consumer reads on
    assert (await consumers(runtime, stream))["me"] == 1
