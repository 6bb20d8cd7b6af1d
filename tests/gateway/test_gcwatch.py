"""The gateway's GC pause recorder (pure: no sockets; the process-wide tuning is only done by the CLI)."""

from __future__ import annotations

import gc

from livecore.gateway.gcwatch import GcWatch


def test_collections_are_counted_by_generation_and_long_ones_kept() -> None:
    watch = GcWatch(long_ms=0.0)
    watch.start()
    try:
        gc.collect(2)
        gc.collect(0)
    finally:
        watch.stop()
    assert watch.count[2] >= 1 and watch.count[0] >= 1
    assert watch.max_ms[2] > 0.0 and len(watch.recent) >= 2
    assert "gen2:" in watch.summary()
    before = list(watch.count)
    gc.collect()
    assert watch.count == before  # stopped: no longer called
