"""Flash sales on real Redis (and PostgreSQL for the sale rows): oversell, idempotency, limits, windows."""

from __future__ import annotations

import asyncio
import collections

import msgspec
import pytest

from livecore.commerce.sale_keys import SaleKeys
from livecore.core.outcome import RefusedError, accepted
from livecore.interactions.model import decoder as interaction_decoder

T0 = 1_800_000_000.0


async def _events(rt, room: str) -> list[dict]:  # type: ignore[no-untyped-def]
    entries = await rt.redis.xrange(rt.keys.room_events(room))
    return [msgspec.json.decode(f[b"e"]) for _, f in entries]


async def _stream_orders(rt, room: str, kind: str = "order") -> list[dict[bytes, bytes]]:  # type: ignore[no-untyped-def]
    entries = await rt.redis.xrange(SaleKeys(rt.keys).orders_stream(room))
    return [f for _, f in entries if f[b"k"] == kind.encode()]


async def test_thousands_of_concurrent_attempts_never_oversell(crt, sales, make_spec) -> None:  # type: ignore[no-untyped-def]
    sale = await sales.create("r1", make_spec(quantity=500, per_user=2), "host")
    gate = asyncio.Semaphore(150)

    async def attempt(i: int) -> dict:
        async with gate:
            return await sales.buy("r1", f"u{i % 1500}", sale["id"], f"k{i}")

    results = await asyncio.gather(*(attempt(i) for i in range(4000)))
    ok = [r for r in results if accepted(r)]
    refusals = collections.Counter(r.code for r in results if not accepted(r))
    assert len(ok) == 500
    assert set(refusals) <= {"sold_out", "limit_reached"} and refusals["sold_out"] > 0
    order_ids = [r["order"] for r in ok]
    assert len(set(order_ids)) == 500
    k = SaleKeys(crt.keys)
    assert int(await crt.redis.get(k.stock("r1", sale["id"]))) == 0
    assert int(await crt.redis.hget(k.sale("r1", sale["id"]), "sold")) == 500
    stream = await _stream_orders(crt, "r1")
    assert sorted(f[b"o"].decode() for f in stream) == sorted(order_ids)  # exactly one entry per success
    assert {m.decode() for m in await crt.redis.smembers(k.sale_orders("r1", sale["id"]))} == set(order_ids)
    per_user = collections.Counter(f[b"u"] for f in stream)
    assert max(per_user.values()) <= 2
    buyers = {m.decode() for m in await crt.redis.smembers(k.buyers("r1"))}
    assert buyers == {f[b"u"].decode() for f in stream}
    await sales.stock.flush()
    assert (await crt.bus.state("r1"))[f"stock:{sale['id']}"] == 0
    phases = [e["phase"] for e in await _events(crt, "r1") if e["type"] == "sale"]
    assert phases == ["started", "sold_out"]


async def test_a_retried_buy_returns_the_first_answer_and_creates_no_second_order(crt, sales, make_spec) -> None:  # type: ignore[no-untyped-def]
    sale = await sales.create("r1", make_spec(quantity=5, per_user=3), "host")
    first = await sales.buy("r1", "alice", sale["id"], "key-1")
    assert accepted(first) and not first["replayed"]
    retries = await asyncio.gather(*(sales.buy("r1", "alice", sale["id"], "key-1") for _ in range(30)))
    assert {r["order"] for r in retries} == {first["order"]}
    assert all(r["replayed"] for r in retries)
    assert len(await _stream_orders(crt, "r1")) == 1
    assert int(await crt.redis.get(SaleKeys(crt.keys).stock("r1", sale["id"]))) == 4
    # concurrent first attempts with one key also make one order
    racing = await asyncio.gather(*(sales.buy("r1", "bob", sale["id"], "key-b") for _ in range(30)))
    assert len({r["order"] for r in racing}) == 1 and sum(not r["replayed"] for r in racing) == 1
    # the same key from another user is another attempt
    other = await sales.buy("r1", "carol", sale["id"], "key-1")
    assert accepted(other) and other["order"] != first["order"]
    assert len(await _stream_orders(crt, "r1")) == 3


async def test_per_user_limit_holds_at_its_edge(crt, sales, make_spec) -> None:  # type: ignore[no-untyped-def]
    sale = await sales.create("r1", make_spec(quantity=100, per_user=3), "host")
    sid = sale["id"]
    assert accepted(await sales.buy("r1", "u", sid, "a", qty=2))
    assert (await sales.buy("r1", "u", sid, "b", qty=2)).code == "limit_reached"
    assert accepted(await sales.buy("r1", "u", sid, "c", qty=1))  # exactly at the limit
    assert (await sales.buy("r1", "u", sid, "d", qty=1)).code == "limit_reached"
    assert (await sales.buy("r1", "v", sid, "a", qty=4)).code == "limit_reached"
    assert accepted(await sales.buy("r1", "v", sid, "a", qty=3))
    assert (await sales.buy("r1", "v", sid, "z", qty=0)).code == "invalid"
    assert (await sales.buy("r1", "v", sid, "", qty=1)).code == "invalid"
    assert (await sales.buy("r1", "v", "nope", "k")).code == "not_found"


async def test_sale_window_holds_to_the_millisecond(crt, sales, make_spec, clock) -> None:  # type: ignore[no-untyped-def]
    sale = await sales.create("r1", make_spec(quantity=10, per_user=10, starts_in_ms=10_000, lasts_ms=5_000), "host")
    sid = sale["id"]
    assert sale["status"] == "scheduled"
    clock.advance(9.999)  # 1 ms before the start
    assert (await sales.buy("r1", "u", sid, "k1")).code == "not_started"
    clock.advance(0.001)  # exactly at starts_at (inclusive)
    assert accepted(await sales.buy("r1", "u", sid, "k1"))  # a refused key may be retried
    clock.advance(4.999)  # 1 ms before ends_at
    assert accepted(await sales.buy("r1", "u", sid, "k2"))
    clock.advance(0.001)  # exactly at ends_at (exclusive)
    assert (await sales.buy("r1", "u", sid, "k3")).code == "ended"
    assert accepted(await sales.buy("r1", "u", sid, "k1"))  # a success is still replayed after the end


async def test_scheduled_sale_is_announced_once_when_its_time_comes(crt, sales, make_spec, clock) -> None:  # type: ignore[no-untyped-def]
    sale = await sales.create("r1", make_spec(quantity=3, starts_in_ms=60_000, lasts_ms=60_000), "host")
    sid = sale["id"]
    assert await sales.due() == []
    clock.advance(60)
    assert await sales.due() == [("r1", sid)]
    results = await asyncio.gather(*(sales.advance("r1", sid) for _ in range(5)))
    assert sorted(results) == ["", "", "", "", "started"]
    assert await sales.due() == []
    clock.advance(60)
    assert await sales.due() == [("r1", sid)]
    assert await sales.advance("r1", sid) == "ended"
    assert await sales.due() == []
    phases = [e["phase"] for e in await _events(crt, "r1") if e["type"] == "sale"]
    assert phases == ["scheduled", "started", "ended"]
    state = await crt.bus.state("r1")
    assert state[f"sale:{sid}"]["phase"] == "ended" and state[f"stock:{sid}"] == 3


async def test_host_can_start_early_and_stop_early(crt, sales, make_spec, clock, db) -> None:  # type: ignore[no-untyped-def]
    sale = await sales.create("r1", make_spec(quantity=3, starts_in_ms=600_000), "host-1")
    sid = sale["id"]
    assert (await sales.buy("r1", "u", sid, "k")).code == "not_started"
    started = await sales.start("r1", sid, "host-1")
    assert started["status"] == "active"
    assert accepted(await sales.buy("r1", "u", sid, "k"))
    clock.advance(1)
    stopped = await sales.stop("r1", sid, "host-1")
    assert stopped["status"] == "ended" and stopped["phase"] == "ended"
    assert (await sales.buy("r1", "v", sid, "k")).code == "ended"
    actions = [r["action"] for r in await db.fetch("SELECT action FROM audit_log WHERE room_id = 'r1' ORDER BY id")]
    assert actions == ["sale.create", "sale.start", "sale.stop"]
    assert await db.fetchval("SELECT stopped_at IS NOT NULL FROM sales WHERE id = $1", sid)


async def test_creating_a_scheduled_sale_twice_is_a_no_op(crt, sales, make_spec, db) -> None:  # type: ignore[no-untyped-def]
    a = await sales.create("r1", make_spec(quantity=3, starts_in_ms=60_000, id="flash-1"), "host")
    b = await sales.create("r1", make_spec(quantity=3, starts_in_ms=60_000, id="flash-1"), "host")
    assert a["id"] == b["id"] == "flash-1" and b["stock"] == 3
    assert await db.fetchval("SELECT count(*) FROM sales") == 1


async def test_creating_a_started_sale_again_is_refused(crt, sales, make_spec, db) -> None:  # type: ignore[no-untyped-def]
    await sales.create("r1", make_spec(quantity=3, id="flash-1"), "host")
    await sales.buy("r1", "u", "flash-1", "k")
    with pytest.raises(RefusedError) as refused:
        await sales.create("r1", make_spec(quantity=3, id="flash-1"), "host")
    assert refused.value.code == "already"
    assert (await sales.get("r1", "flash-1"))["stock"] == 2  # type: ignore[index]
    assert await db.fetchval("SELECT count(*) FROM sales") == 1


async def test_a_buy_appends_an_order_interaction(crt, sales, make_spec) -> None:  # type: ignore[no-untyped-def]
    sale = await sales.create("r1", make_spec(quantity=3, price=2500, per_user=2, product="lipstick"), "host")
    res = await sales.buy("r1", "ann", sale["id"], "k", qty=2)
    entries = await crt.redis.xrange(crt.keys.interactions("r1"))
    assert len(entries) == 1
    ix = interaction_decoder.decode(entries[0][1][b"i"])
    assert (ix.id, ix.kind, ix.room, ix.user, ix.count, ix.value, ix.product) == (
        "o:" + res["order"], "order", "r1", "ann", 2, 5000, "lipstick")
    assert ix.ts == int(T0 * 1000)
    assert "r1" in {m.decode() for m in await crt.redis.smembers(crt.keys.global_key("ix", "rooms"))}


async def test_a_buy_survives_an_emptied_script_cache(crt, sales, make_spec) -> None:  # type: ignore[no-untyped-def]
    sale = await sales.create("r1", make_spec(quantity=5, per_user=5), "host")
    assert accepted(await sales.buy("r1", "u", sale["id"], "k1"))
    await crt.redis.script_flush()  # as after a restart or failover: every SHA is unknown (NOSCRIPT)
    sha = crt.scripts.get("sale_buy").sha
    assert await crt.redis.script_exists(sha) == [False]
    again = await sales.buy("r1", "u", sale["id"], "k2")
    assert accepted(again) and again["stock"] == 3
    assert await crt.redis.script_exists(sha) == [True]  # reloaded by the NOSCRIPT recovery


async def test_a_sale_lost_by_an_empty_redis_answers_unavailable_until_restored_never_recreated(
        settings, migrated, redis_server, clock, make_spec) -> None:  # type: ignore[no-untyped-def]
    from livecore.commerce.restore import restore
    from livecore.commerce.sales import SalesService
    from livecore.runtime import open_runtime
    from livecore.workers.orders import order_persister

    async with open_runtime(settings.with_(redis_url=redis_server.url, redis_cluster=False), clock=clock) as rt:
        sales = SalesService(rt)
        await sales.create("r1", make_spec(quantity=5, per_user=5, id="flash"), "host")
        first = await sales.buy("r1", "u", "flash", "k1")
        assert accepted(first)
        await order_persister(rt, "w").drain()
        redis_server.restart()  # every key and the script cache are gone
        gone = await sales.buy("r1", "u", "flash", "k2")
        assert gone.code == "unavailable"  # PostgreSQL holds the sale: retry, never "not_found"
        with pytest.raises(RefusedError) as refused:  # re-creating would re-seed the stock: refused
            await sales.create("r1", make_spec(quantity=5, per_user=5, id="flash"), "host")
        assert refused.value.code == "already"
        assert (await sales.buy("r1", "u", "flash", "k2")).code == "unavailable"
        report = await restore(rt)
        assert [(s.sale, s.restored, s.orders, s.stock) for s in report.sales] == [("flash", True, 1, 4)]
        replay = await sales.buy("r1", "u", "flash", "k1")  # the retried key gets its order back
        assert accepted(replay) and replay["replayed"] and replay["order"] == first["order"]
        again = await sales.buy("r1", "u", "flash", "k2")
        assert accepted(again) and again["stock"] == 3
        await sales.close()


async def test_an_ended_sale_leaves_the_room_state_after_the_grace_and_its_keys_start_to_expire(
        crt, sales, make_spec, clock) -> None:  # type: ignore[no-untyped-def]
    grace_s, retention_s = crt.settings.state_grace_s, crt.settings.sale_retention_s
    sid = (await sales.create("r1", make_spec(quantity=3, lasts_ms=5_000), "host"))["id"]
    assert accepted(await sales.buy("r1", "u", sid, "k"))
    await sales.stock.flush()
    fields = {f"sale:{sid}", f"stock:{sid}"}
    assert fields <= set(await crt.bus.state("r1"))
    clock.advance(5)
    assert await sales.advance("r1", sid) == "ended"
    assert fields <= set(await crt.bus.state("r1"))  # viewers joining now still see how it ended
    clock.advance(grace_s - 0.001)
    assert await sales.advance("r1", sid) == "" and await sales.due() == []
    clock.advance(0.001)
    assert await sales.due() == [("r1", sid)]  # the scheduler's timeline points at the retirement
    assert await sales.advance("r1", sid) == "retired"
    assert not fields & set(await crt.bus.state("r1"))
    assert await sales.advance("r1", sid) == "" and await sales.due() == []  # once
    assert await sales.stock.publish_now("r1", sid) == -1  # a late stock change is not put back
    assert not fields & set(await crt.bus.state("r1"))
    k = SaleKeys(crt.keys)
    for key in (k.sale("r1", sid), k.stock("r1", sid), k.users("r1", sid), k.sale_orders("r1", sid)):
        assert 0 < await crt.redis.ttl(key) <= retention_s, key
    assert [s["id"] for s in await sales.list("r1")] == [sid]  # the API lists it until its keys expire
    for key in (k.sale("r1", sid), k.stock("r1", sid)):
        await crt.redis.delete(key)  # as when the retention has passed
    assert await sales.list("r1") == []
    assert await crt.redis.smembers(k.room_sales("r1")) == set()


async def test_a_retirement_cut_short_by_a_crash_is_finished_by_the_next_pass(crt, sales, make_spec, clock) -> None:  # type: ignore[no-untyped-def]
    s = crt.settings
    sid = (await sales.create("r1", make_spec(quantity=3, lasts_ms=5_000), "host"))["id"]
    clock.advance(5)
    assert await sales.advance("r1", sid) == "ended"
    clock.advance(s.state_grace_s)
    k = SaleKeys(crt.keys)
    keys = [k.sale("r1", sid), k.stock("r1", sid), k.users("r1", sid), k.sale_orders("r1", sid)]
    # the script retires the sale, then its caller dies before clearing the room state and the timeline
    args = [int(clock.now() * 1000), s.state_grace_s * 1000, s.sale_retention_s]
    assert await crt.scripts.call("sale_advance", keys=keys, args=args) == b"retired"
    assert f"sale:{sid}" in await crt.bus.state("r1") and await sales.due() == [("r1", sid)]
    assert await sales.advance("r1", sid) == ""  # the scheduler's next pass
    assert f"sale:{sid}" not in await crt.bus.state("r1") and f"stock:{sid}" not in await crt.bus.state("r1")
    assert await sales.due() == []
