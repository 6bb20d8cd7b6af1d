"""The order outbox on real Redis Streams and PostgreSQL: ack after commit, takeover, dead letters, outages."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from livecore.commerce.sale_keys import SaleKeys
from livecore.commerce.sales import SalesService
from livecore.core.outcome import accepted
from livecore.runtime import open_runtime
from livecore.storage.db import connect
from livecore.storage.migrate import migrate
from livecore.workers.orders import GROUP, order_persister, persist_orders
from livecore.workers.outbox import OutboxConsumer
from workerkill import kill_midway

ROOT = Path(__file__).resolve().parents[2]


async def _sell(sales: SalesService, room: str, n: int, make_spec, *, sale_id: str | None = None,  # type: ignore[no-untyped-def]
                first_user: int = 0) -> list[str]:
    if sale_id is None:
        sale_id = (await sales.create(room, make_spec(quantity=n), "host"))["id"]
    gate = asyncio.Semaphore(64)

    async def one(i: int) -> str:
        async with gate:
            res = await sales.buy(room, f"u{i}", sale_id, "k")
            assert accepted(res), res
            return str(res["order"])

    return list(await asyncio.gather(*(one(i) for i in range(first_user, first_user + n))))


async def _pg_orders(db) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    return (await db.fetchval("SELECT count(*) FROM orders"),
            await db.fetchval("SELECT count(DISTINCT id) FROM orders"),
            await db.fetchval("SELECT count(*) FROM order_status_history WHERE status = 'reserved'"))


async def test_orders_are_persisted_once_and_acked_after_commit(crt, sales, db, make_spec) -> None:  # type: ignore[no-untyped-def]
    ids = await _sell(sales, "r1", 450, make_spec)
    worker = order_persister(crt, "w1", batch=100)
    assert await worker.drain() == 450
    assert await _pg_orders(db) == (450, 450, 450)
    assert set(r["id"] for r in await db.fetch("SELECT id FROM orders")) == set(ids)
    stream = SaleKeys(crt.keys).orders_stream("r1")
    assert (await crt.redis.xpending(stream, GROUP))["pending"] == 0
    # replaying every entry again changes nothing
    entries = [(e.decode(), f) for e, f in await crt.redis.xrange(stream)]
    async with db.acquire() as conn, conn.transaction():
        await persist_orders(conn, entries)
    assert await _pg_orders(db) == (450, 450, 450)


async def test_a_consumer_that_read_and_died_before_ack_loses_and_duplicates_nothing(crt, sales, db, make_spec) -> None:  # type: ignore[no-untyped-def]
    ids = await _sell(sales, "r1", 300, make_spec)
    stream = SaleKeys(crt.keys).orders_stream("r1")
    await crt.redis.xgroup_create(stream, GROUP, id="0", mkstream=True)
    # the dead consumer read 200 entries and committed the first 120, then died before XACK
    reply = await crt.redis.xreadgroup(GROUP, "dead", {stream: ">"}, count=200)
    read = [(e.decode(), f) for e, f in reply[0][1]]
    async with db.acquire() as conn, conn.transaction():
        await persist_orders(conn, read[:120])
    assert (await crt.redis.xpending(stream, GROUP))["pending"] == 200
    survivor = order_persister(crt, "alive", batch=64, claim_idle_ms=200)
    deadline = time.monotonic() + 30
    while await db.fetchval("SELECT count(*) FROM orders") < 300 or \
            (await crt.redis.xpending(stream, GROUP))["pending"] > 0:
        assert time.monotonic() < deadline, "the survivor did not take over"
        if await survivor.run_once() == 0:
            await asyncio.sleep(0.05)
    assert await _pg_orders(db) == (300, 300, 300)
    assert set(r["id"] for r in await db.fetch("SELECT id FROM orders")) == set(ids)


async def test_a_poison_entry_is_dead_lettered_after_n_deliveries(crt, sales, db, make_spec) -> None:  # type: ignore[no-untyped-def]
    await _sell(sales, "r1", 20, make_spec)
    stream = SaleKeys(crt.keys).orders_stream("r1")
    poison = (await crt.redis.xadd(stream, {"k": "order", "o": "not-an-order-id"})).decode()
    await _sell(sales, "r1", 20, make_spec)
    consumer = OutboxConsumer(crt, stream, GROUP, "w", persist_orders, batch=50, claim_idle_ms=30,
                              dead_letter_after=3)
    deadline = time.monotonic() + 30
    while consumer.dead_lettered == 0:
        assert time.monotonic() < deadline
        if await consumer.run_once() == 0:
            await asyncio.sleep(0.04)
    assert consumer.dead_lettered == 1
    assert await db.fetchval("SELECT count(*) FROM orders") == 40
    row = await db.fetchrow("SELECT * FROM dead_letters")
    assert (row["stream"], row["entry_id"], row["group_name"], row["deliveries"]) == (stream, poison, GROUP, 3)
    assert row["fields"]["o"] == "not-an-order-id"
    dead = await crt.redis.xrange(stream + ":dead")
    assert len(dead) == 1 and dead[0][1][b"_id"].decode() == poison
    assert (await crt.redis.xpending(stream, GROUP))["pending"] == 0


async def test_orders_sold_while_postgres_is_stopped_are_persisted_when_it_returns(
        settings, pg_server, redis, clock, make_spec) -> None:  # type: ignore[no-untyped-def]
    conn = await connect(pg_server.url())
    await migrate(conn, settings.database_schema)
    await conn.close()
    cfg = settings.with_(database_url=pg_server.url())
    async with open_runtime(cfg, clock=clock) as rt:
        sales = SalesService(rt)
        worker = order_persister(rt, "w1", batch=100, claim_idle_ms=500)
        sale = await sales.create("r1", make_spec(quantity=450), "host")
        first = await _sell(sales, "r1", 50, make_spec, sale_id=sale["id"])
        assert await worker.drain() == 50
        pg_server.stop()
        more = await _sell(sales, "r1", 400, make_spec, sale_id=sale["id"], first_user=50)  # the stream buffers
        for _ in range(5):
            assert await worker.run_once() == 0
        assert worker.figures()["db_unavailable"] >= 5  # what the worker's metrics show during the outage
        pg_server.start()
        deadline = time.monotonic() + 60
        while True:
            try:
                count = await rt.db.fetchval("SELECT count(*) FROM orders")
            except Exception:
                count = -1
            if count == 450:
                break
            assert time.monotonic() < deadline, f"only {count} orders persisted"
            if await worker.run_once() == 0:
                await asyncio.sleep(0.1)
        got = {r["id"] for r in await rt.db.fetch("SELECT id FROM orders")}
        assert got == set(first) | set(more)
        assert await rt.db.fetchval("SELECT count(*) FROM order_status_history") == 450
        assert worker.figures()["persisted"] == 450 and worker.figures()["dead_lettered"] == 0
        await sales.close()


async def test_a_worker_process_killed_mid_batch_loses_and_duplicates_nothing(
        settings, crt, sales, db, make_spec) -> None:  # type: ignore[no-untyped-def]
    ids = await _sell(sales, "r1", 3000, make_spec)
    env = {**os.environ, **settings.env(), "LIVECORE_WORKER_BATCH": "50"}
    await kill_midway(env, ["orders"], lambda: db.fetchval("SELECT count(*) FROM orders"), 200)
    persisted_by_victim = await db.fetchval("SELECT count(*) FROM orders")
    if persisted_by_victim == 3000:
        pytest.fail("the worker finished before it could be killed; sell more orders in this test")
    survivor = order_persister(crt, "survivor", claim_idle_ms=300)
    stream = SaleKeys(crt.keys).orders_stream("r1")
    deadline = time.monotonic() + 60
    while await db.fetchval("SELECT count(*) FROM orders") < 3000 or \
            (await crt.redis.xpending(stream, GROUP))["pending"] > 0:
        assert time.monotonic() < deadline, "the survivor did not finish"
        if await survivor.run_once() == 0:
            await asyncio.sleep(0.05)
    assert await _pg_orders(db) == (3000, 3000, 3000)
    assert {r["id"] for r in await db.fetch("SELECT id FROM orders")} == set(ids)


async def test_a_restarted_worker_forgets_the_consumer_names_left_behind(settings, crt, sales, make_spec) -> None:  # type: ignore[no-untyped-def]
    await _sell(sales, "r1", 20, make_spec)
    assert await order_persister(crt, "host-1111", batch=10).drain() == 20  # the process that stopped
    stream = SaleKeys(crt.keys).orders_stream("r1")
    assert {c["name"] for c in await crt.redis.xinfo_consumers(stream, GROUP)} == {b"host-1111"}
    async with open_runtime(settings.with_(consumer_prune_idle_s=0)) as rt:
        restarted = order_persister(rt, "host-2222")
        await restarted.refresh()
        assert await restarted.prune_consumers() == 1
        assert await crt.redis.xinfo_consumers(stream, GROUP) == []
        await _sell(sales, "r1", 5, make_spec, first_user=20)
        assert await restarted.drain() == 5  # and goes on reading as before
