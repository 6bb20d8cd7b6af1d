import asyncio

import msgspec

from livecore.broker import wire
from livecore.broker.room_bus import RoomBus
from livecore.keys import Keys
from livecore.protocol.events import GiftEvent, ProductEvent
from livecore.scripts import Scripts


async def _bus(redis, prefix: str, maxlen: int = 1000) -> RoomBus:  # type: ignore[no-untyped-def]
    scripts = Scripts(redis)
    await scripts.load()
    return RoomBus(redis, Keys(prefix), scripts, events_maxlen=maxlen)


async def test_reliable_events_are_published_in_stream_order_and_replayed(redis, prefix) -> None:  # type: ignore[no-untyped-def]
    bus = await _bus(redis, prefix)
    pubsub = redis.pubsub()
    await pubsub.subscribe(bus.keys.room_channel("1"))
    await pubsub.get_message(timeout=1)  # subscribe confirmation
    offsets = [await bus.publish_reliable("1", GiftEvent(id=f"g{i}", gift="rose")) for i in range(5)]
    received = []
    while len(received) < 5:
        msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
        if msg:
            received.append(wire.decode(msg["data"]))
    await pubsub.aclose()
    assert [m.offset for m in received] == offsets
    replay = await bus.replay("1", offsets[1])
    assert not replay.resync
    assert [o for o, _ in replay.events] == offsets[2:]
    assert msgspec.json.decode(replay.events[0][1])["id"] == "g2"
    assert await bus.last_offset("1") == offsets[-1]


async def test_replay_asks_for_resync_when_offset_was_trimmed(redis, prefix) -> None:  # type: ignore[no-untyped-def]
    bus = await _bus(redis, prefix)
    first = await bus.publish_reliable("2", GiftEvent(id="g0"))
    for i in range(1, 5):
        await bus.publish_reliable("2", GiftEvent(id=f"g{i}"))
    await redis.xtrim(bus.keys.room_events("2"), maxlen=2, approximate=False)
    assert (await bus.replay("2", first)).resync
    assert (await bus.replay("2", "garbage")).resync
    assert (await bus.replay("2", "99999999999999-0")).resync


async def test_state_is_latest_value_wins_and_published(redis, prefix) -> None:  # type: ignore[no-untyped-def]
    bus = await _bus(redis, prefix)
    pubsub = redis.pubsub()
    await pubsub.subscribe(bus.keys.room_channel("3"))
    await pubsub.get_message(timeout=1)
    await bus.set_state("3", {"online": 5, "product": {"id": "p1"}})
    await bus.set_state("3", {"online": 7, "product": None})
    assert await bus.state("3") == {"online": 7}
    got = []
    while len(got) < 2:
        msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
        if msg:
            got.append(wire.decode(msg["data"]))
    await pubsub.aclose()
    assert msgspec.json.decode(got[1].payload) == {"online": 7, "product": None}


async def test_scripts_survive_a_restarted_redis(redis_server) -> None:  # type: ignore[no-untyped-def]
    from livecore.runtime import redis_client

    client = redis_client(redis_server.url)
    try:
        bus = await _bus(client, "x")
        await bus.publish_reliable("1", ProductEvent(product={"id": "p"}))
        redis_server.restart()  # empty script cache, empty data
        for _ in range(50):
            try:
                await client.ping()
                break
            except Exception:
                await asyncio.sleep(0.05)
        offset = await bus.publish_reliable("1", ProductEvent(product={"id": "q"}))
        assert await bus.last_offset("1") == offset
    finally:
        await client.aclose()


async def test_many_rooms_states_in_pipelined_chunks(redis, prefix) -> None:  # type: ignore[no-untyped-def]
    bus = await _bus(redis, prefix)
    await bus.set_state("r1", {"rank": {"hot": 9}, "top": []})
    pubsub = redis.pubsub()
    await pubsub.subscribe(*(bus.keys.room_channel(f"r{i}") for i in range(7)))
    for _ in range(7):
        await pubsub.get_message(timeout=1)
    changes = [(f"r{i}", {"rank": {"hot": i}}) for i in range(7)] + [("r1", {"top": None}), ("r2", {})]
    await bus.set_states(changes, chunk=3)
    assert [await bus.state(f"r{i}") for i in range(7)] == [{"rank": {"hot": i}} for i in range(7)]
    got = 0
    while got < 8:  # one state message per non-empty change, in order per room
        msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
        assert msg is not None
        got += 1
    await pubsub.aclose()
