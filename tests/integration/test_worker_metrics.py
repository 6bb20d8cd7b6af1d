"""``livecore worker --metrics-port``: a worker process' Prometheus figures, read from a real scrape."""

from __future__ import annotations

import asyncio
import re
import time
import urllib.error
import urllib.request

import pytest

from livecore.commerce.model import SaleSpec
from livecore.commerce.sales import SalesService
from livecore.core.outcome import accepted
from livecore.interactions.log import InteractionLog
from livecore.interactions.model import Interaction
from livecore.services.ports import free_port
from livecore.workers.cli import serve


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        return reply.read().decode()


def figure(text: str, worker: str, outcome: str) -> float:
    found = re.search(rf'^livecore_worker_items_total\{{outcome="{outcome}",worker="{worker}"\}} (\S+)$', text, re.M)
    return float(found.group(1)) if found else -1.0


async def test_a_worker_process_serves_what_each_worker_did(settings, runtime) -> None:  # type: ignore[no-untyped-def]
    sales = SalesService(runtime)
    now = int(time.time() * 1000)
    sale = await sales.create("m1", SaleSpec(product="p", price=100, quantity=5, ends_at=now + 600_000), "host")
    assert accepted(await sales.buy("m1", "ann", sale["id"], "k"))  # an order to persist, an interaction to count
    await sales.close()
    log = InteractionLog(runtime.redis, runtime.keys)
    for i in range(5):
        log.emit(Interaction(id=f"s{i}", kind="share", room="m1", user=f"u{i}", ts=now))
    await log.flush()

    port = free_port()
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, ["orders", "ranking", "sales"], "metrics-test", stop,
                                     metrics=("127.0.0.1", port)))
    try:
        deadline = time.monotonic() + 30
        text = ""
        while time.monotonic() < deadline:
            try:
                text = await asyncio.to_thread(scrape, port)
            except (urllib.error.URLError, ConnectionError):
                text = ""
            if figure(text, "orders", "persisted") == 1 and figure(text, "ranking", "processed") == 6:
                break
            await asyncio.sleep(0.1)
        assert figure(text, "orders", "persisted") == 1, text
        assert figure(text, "ranking", "processed") == 6 and figure(text, "ranking", "duplicates") == 0
        assert figure(text, "orders", "dead_lettered") == 0 and figure(text, "orders", "db_unavailable") == 0
        assert figure(text, "sales", "announced") == 0
        for worker in ("orders", "ranking", "sales"):
            assert f'livecore_worker_running{{worker="{worker}"}} 1.0' in text
        assert "process_cpu_seconds_total" in text
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        scrape(port)  # stopped with the workers
