import contextlib

from livecore.interactions.log import InteractionLog
from livecore.interactions.model import Interaction, decoder
from livecore.keys import Keys


async def test_emit_is_buffered_then_appended_per_room(redis, prefix) -> None:  # type: ignore[no-untyped-def]
    keys = Keys(prefix)
    ix = InteractionLog(redis, keys, buffer=3)
    for i in range(5):
        ix.emit(Interaction(id=f"e{i}", kind="like", room=str(i % 2), user="u", ts=i))
    assert ix.dropped == 2 and ix.pending == 3
    await ix.flush()
    entries = await redis.xrange(keys.interactions("0"))
    assert [decoder.decode(f[b"i"]).id for _, f in entries] == ["e0", "e2"]
    assert await redis.smembers(keys.global_key("ix", "rooms")) == {b"0", b"1"}


async def test_a_failed_flush_keeps_the_batch(redis_server) -> None:  # type: ignore[no-untyped-def]
    from livecore.runtime import redis_client

    client = redis_client(redis_server.url)
    ix = InteractionLog(client, Keys("x"))
    ix.emit(Interaction(id="a", kind="share", room="1", user="u", ts=1))
    redis_server.stop()
    with contextlib.suppress(Exception):
        await ix.flush()
    assert ix.pending == 1 and ix.appended == 0
    await client.aclose()
