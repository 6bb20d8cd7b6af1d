"""The Redis generation marker: a Redis that came back empty is noticed by a running process (log, metric,
"restore required") and by processes started after it, even when a gateway (no database) wrote a new marker
first; ``livecore restore`` lifts the state."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, generate_latest

from livecore.commerce.model import SaleSpec
from livecore.commerce.restore import restore
from livecore.commerce.sales import SalesService
from livecore.gateway.roomdir import RoomDirectory
from livecore.generation import GenerationCollector
from livecore.runtime import open_runtime


async def test_an_emptied_redis_is_noticed_by_running_and_new_processes(  # type: ignore[no-untyped-def]
        settings, migrated, redis_server) -> None:
    cfg = settings.with_(redis_url=redis_server.url, redis_cluster=False, generation_check_s=60)
    async with open_runtime(cfg) as rt:
        assert rt.generation is not None and not await rt.generation.check()
        assert rt.db is not None
        await rt.db.execute("INSERT INTO hosts (id, name) VALUES ('h', 'Host')")
        await rt.db.execute("INSERT INTO rooms (id, host_id, title) VALUES ('r1', 'h', 'room')")
        sales = SalesService(rt)
        now = int(time.time() * 1000)
        await sales.create("r1", SaleSpec(product="p", price=1, quantity=3, ends_at=now + 60_000, id="s1"), "h")
        await sales.close()
        redis_server.restart()  # back empty
        async with open_runtime(cfg, database=False) as gateway:  # a gateway starts first: no database
            assert gateway.generation is not None and not gateway.generation.restore_required
        async with open_runtime(cfg) as api:  # then a process with the database: PostgreSQL remembers
            assert api.generation is not None and api.generation.restore_required and api.generation.changes == 1
        assert await rt.generation.check()  # the running process notices too
        registry = CollectorRegistry()
        registry.register(GenerationCollector(rt.generation))
        text = generate_latest(registry).decode()
        assert "livecore_redis_generation_changes_total 1.0" in text
        assert "livecore_redis_restore_required 1.0" in text
        assert not await RoomDirectory(rt.redis, rt.keys).exists("r1")  # the emptied Redis knows no room
        await restore(rt)
        assert not await rt.generation.check()
        assert await RoomDirectory(rt.redis, rt.keys).exists("r1")  # gateways admit joins to it again
        async with open_runtime(cfg) as later:
            assert later.generation is not None and not later.generation.restore_required
