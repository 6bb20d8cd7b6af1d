"""Private Redis Clusters refuse what a real cluster refuses, and livecore's cluster client copes."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import NoScriptError, ResponseError

from livecore import slots
from livecore.keys import Keys
from livecore.runtime import redis_client
from livecore.scripts import Scripts
from livecore.services.redis_server import LocalCluster, RedisServer


@pytest.fixture
def cluster(tmp_path: Path):  # type: ignore[no-untyped-def]
    server = RedisServer(tmp_path / "cluster", cluster=True).start()
    try:
        yield server
    finally:
        server.stop()


async def test_cross_slot_scripts_and_reads_are_refused_and_slot_chunks_are_not(cluster: RedisServer) -> None:
    redis = Redis.from_url(cluster.url)
    try:
        assert await slots.cluster_enabled(redis)
        script = "return redis.call('set', KEYS[1], 1) and redis.call('set', KEYS[2], 1)"
        assert await redis.eval(script, 2, "lc:{r:1}:a", "lc:{r:1}:b")  # one room's tag: one slot
        with pytest.raises(ResponseError, match=r"CROSSSLOT|same slot"):
            await redis.eval(script, 2, "lc:{r:1}:a", "lc:{r:2}:b")
        streams = [f"lc:{{r:{i}}}:ix".encode() for i in range(40)]
        for s in streams:
            await redis.xgroup_create(s, "g", id="0", mkstream=True)
            await redis.xadd(s, {"i": s})
        with pytest.raises(ResponseError, match=r"CROSSSLOT|same slot"):
            await redis.xreadgroup("g", "c", dict.fromkeys(streams, ">"))
        read: list[bytes] = []
        for chunk in slots.chunks(streams, 500, by_slot=True):
            for _stream, entries in await redis.xreadgroup("g", "c", dict.fromkeys(chunk, ">")):
                read += [fields[b"i"] for _id, fields in entries]
        assert sorted(read) == sorted(streams)
    finally:
        await redis.aclose()


async def test_a_plain_server_is_not_in_cluster_mode(redis_server: RedisServer) -> None:
    redis = Redis.from_url(redis_server.url)
    try:
        assert not await slots.cluster_enabled(redis)
    finally:
        await redis.aclose()


async def test_a_cluster_client_runs_pipelined_scripts_and_recovers_an_emptied_script_cache(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path / "three", 3).start()
    redis = redis_client(cluster.url, cluster=True)
    try:
        scripts = Scripts(redis)
        await scripts.load()
        rooms = [f"room{i}" for i in range(12)]  # spread over the three primaries
        keys = Keys("lc")

        async def push(value: int) -> None:
            pipe = redis.pipeline(transaction=False)
            for room in rooms:
                await scripts.queue(pipe, "room_state", [keys.room_state(room)],
                                    [keys.room_channel(room), f'{{"n": {value}}}', 60, "n", str(value)])
            await scripts.execute(pipe)

        await push(1)
        for node in cluster.nodes:  # every primary forgets its scripts (a restart would too)
            plain = Redis.from_url(node.url)
            await plain.script_flush()
            await plain.aclose()
        with pytest.raises(NoScriptError):
            await push(2)  # this round fails; the scripts are loaded again on every primary
        await push(3)  # the next round goes through
        for room in rooms:
            assert await redis.hget(keys.room_state(room), "n") == b"3"
    finally:
        await redis.aclose()
        cluster.stop()
