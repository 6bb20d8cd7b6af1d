"""LIVECORE_DURABILITY: what an acknowledged purchase survives.

``replica``: the primary dies while its replica lags (its replication link held back), the replica is promoted and the
processes move to it: every order a buyer was told is in PostgreSQL after the drain, and no key has two orders.
``fsync`` on a Redis without WAITAOF needs ``appendfsync always``: refused at start-up otherwise."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from redis import Redis as SyncRedis

from livecore.commerce.model import SaleSpec
from livecore.commerce.sales import SalesService
from livecore.config import Settings
from livecore.core.outcome import Refusal, accepted
from livecore.durability import DurabilityError
from livecore.runtime import open_runtime
from livecore.services.redis_server import RedisServer
from livecore.workers.orders import order_persister
from storm import Storm, audit, until_persisted

FAST_SYNC = ["--repl-diskless-sync-delay", "0"]  # a replica syncs at once, not after the default 5 s


class LagProxy:
    """The replication link between a primary and its replica; while ``held``, what the primary sends is kept
    back (the replica lags), and ``cut`` drops it with the link, as when the primary dies before it arrived."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.held = False
        self.server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_r, up_w = await asyncio.open_connection("127.0.0.1", self.port)
        self._writers += [writer, up_w]

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, holdable: bool) -> None:
            while data := await src.read(65536):
                if holdable and self.held:
                    continue  # kept back, then lost with the primary
                dst.write(data)
                await dst.drain()

        with contextlib.suppress(Exception):
            await asyncio.gather(pump(reader, up_w, False), pump(up_r, writer, True))

    def cut(self) -> None:
        for w in self._writers:
            w.transport.abort()
        if self.server is not None:
            self.server.close()


def replica_of(folder: Path, primary: RedisServer, port: int | None = None) -> RedisServer:
    """A replica of ``primary`` (through ``port``, a proxy, when given), synced."""
    server = RedisServer(folder, args=[*FAST_SYNC, "--replicaof", primary.host, str(port or primary.port)]).start()
    deadline = time.monotonic() + 20
    with SyncRedis(host=server.host, port=server.port) as r:
        while r.info("replication").get("master_link_status") != "up":
            assert time.monotonic() < deadline, "the replica did not sync"
            time.sleep(0.05)
    if port is None:  # no proxy holding the link back: synced also means the primary counts its acknowledgements
        with SyncRedis(host=primary.host, port=primary.port) as p:
            while p.execute_command("WAIT", 1, 200) < 1:
                assert time.monotonic() < deadline, "the primary never counted the replica's acknowledgement"
    return server


def _until_replicated(primary: RedisServer) -> None:
    with SyncRedis(host=primary.host, port=primary.port) as p:
        assert p.execute_command("WAIT", 1, 20_000) >= 1, "the replica never acknowledged the sale"


async def _until(condition: Callable[[], bool], failure: str, timeout_s: float = 20.0) -> None:
    """Polls ``condition`` (the storm's answers) rather than sleeping a fixed time, which a loaded machine outruns."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, failure
        await asyncio.sleep(0.02)


async def _failover_storm(settings: Settings, db: Any, tmp_path: Path, durability: str) -> tuple[Storm, Any]:
    primary = RedisServer(tmp_path / "primary", args=FAST_SYNC).start()
    link = LagProxy(primary.port)
    replica = await asyncio.to_thread(replica_of, tmp_path / "replica", primary, await link.start())
    spare: RedisServer | None = None
    try:
        # a WAIT long enough that the buys before the hold are acknowledged on a loaded machine too
        cfg = settings.with_(redis_url=primary.url, redis_cluster=False, durability=durability,
                             durability_timeout_ms=1000)
        async with AsyncExitStack() as stack:
            rt = await stack.enter_async_context(open_runtime(cfg))
            sales = SalesService(rt)
            stack.push_async_callback(sales.close)
            now = int(time.time() * 1000)
            await sales.create("r1", SaleSpec(product="p", price=100, quantity=300, per_user=2,
                                              ends_at=now + 600_000, id="flash"), "host")
            current = {"sales": sales}
            # the sale itself is on the replica before any buy (a loaded machine may take a while to pass it on)
            await asyncio.to_thread(_until_replicated, primary)

            async def buy(user: str, key: str) -> dict[str, Any] | Refusal:
                return await current["sales"].buy("r1", user, "flash", key)

            storm = Storm(buy, 400, spread_s=3.0, give_up_s=30)
            stop_old = asyncio.Event()
            old_worker = asyncio.create_task(order_persister(rt, "w1", claim_idle_ms=500).run(stop_old))
            run = asyncio.create_task(storm.run())
            await _until(lambda: bool(storm.told()), "no buy was confirmed before the hold")
            link.held = True  # the replica falls behind ...
            before = storm.answers()["unavailable"]
            await _until(lambda: storm.answers()["unavailable"] > before, "no buy waited on the held replica")
            primary.stop()  # ... and the primary dies (SIGKILL) before what it sent arrived
            link.cut()
            with SyncRedis(host=replica.host, port=replica.port) as r:
                r.execute_command("REPLICAOF", "NO", "ONE")  # promoted
            # the new primary gets a replica of its own
            spare = await asyncio.to_thread(replica_of, tmp_path / "spare", replica)
            stop_old.set()
            await asyncio.gather(old_worker, return_exceptions=True)
            moved = cfg.with_(redis_url=replica.url)
            rt2 = await stack.enter_async_context(open_runtime(moved))
            sales2 = SalesService(rt2)
            stack.push_async_callback(sales2.close)
            current["sales"] = sales2  # the processes now point at the promoted replica
            stop = asyncio.Event()
            worker = asyncio.create_task(order_persister(rt2, "w2", claim_idle_ms=500).run(stop))
            await run
            await until_persisted(db, set(storm.told().values()), timeout_s=15)
            stop.set()
            await asyncio.gather(worker, return_exceptions=True)
        return storm, await audit(db, "flash", 300, [storm])
    finally:
        link.cut()
        for server in (spare, replica, primary):
            if server is not None:
                server.stop()


async def test_with_replica_durability_every_told_order_survives_the_promotion(  # type: ignore[no-untyped-def]
        settings, migrated, db, tmp_path) -> None:
    storm, found = await _failover_storm(settings, db, tmp_path, "replica")
    assert storm.answers()["unavailable"] > 0  # the lagging replica was noticed: those buys were not told
    assert found.problems() == [], found
    assert found.told > 0 and not found.missing


async def test_fsync_without_waitaof_needs_appendfsync_always(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plain = RedisServer(tmp_path / "plain", args=["--appendonly", "yes"]).start()  # appendfsync everysec
    always = RedisServer(tmp_path / "always", args=["--appendonly", "yes", "--appendfsync", "always"]).start()
    try:
        base = settings.with_(redis_cluster=False, durability="fsync")
        with pytest.raises(DurabilityError, match="appendfsync always"):
            async with open_runtime(base.with_(redis_url=plain.url), database=False):
                pass
        async with open_runtime(base.with_(redis_url=always.url), database=False) as rt:
            assert rt.durability.mode == "fsync"
        with pytest.raises(DurabilityError, match="expected one of"):
            async with open_runtime(base.with_(redis_url=always.url, durability="sometimes"), database=False):
                pass
    finally:
        plain.stop()
        always.stop()


async def test_replica_durability_answers_unavailable_without_a_replica_and_the_retry_finds_the_order(  # type: ignore[no-untyped-def]
        settings, migrated, tmp_path) -> None:
    primary = RedisServer(tmp_path / "alone", args=FAST_SYNC).start()
    replica: RedisServer | None = None
    try:
        cfg = settings.with_(redis_url=primary.url, redis_cluster=False, durability="replica",
                             durability_timeout_ms=100)
        async with open_runtime(cfg) as rt:
            sales = SalesService(rt)
            now = int(time.time() * 1000)
            await sales.create("r1", SaleSpec(product="p", price=100, quantity=5, per_user=5,
                                              ends_at=now + 600_000, id="flash"), "host")
            first = await asyncio.gather(*(sales.buy("r1", "u", "flash", f"k{i}") for i in range(3)))
            assert [a.code for a in first] == ["unavailable"] * 3  # one WAIT for the batch, timed out
            assert sales.purchases.batcher.stats.waits == 1
            replica = await asyncio.to_thread(replica_of, tmp_path / "late", primary)
            # the retry with the same key returns the order; a client retries while the answer is unavailable
            # (a loaded machine may take longer than the 100 ms WAIT for the new replica's first ACKs)
            for _ in range(30):
                again = await asyncio.gather(*(sales.buy("r1", "u", "flash", f"k{i}") for i in range(3)))
                if not any(isinstance(a, Refusal) and a.code == "unavailable" for a in again):
                    break
            assert all(accepted(a) and a["replayed"] for a in again), again
            assert again[0]["stock"] == 2
            await sales.close()
    finally:
        if replica is not None:
            replica.stop()
        primary.stop()
