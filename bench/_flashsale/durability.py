"""``--durability replica``: the same storm twice in one run, ``LIVECORE_DURABILITY=none`` then ``replica``,
against one private primary with one local replica (so both runs pay for replication traffic and only the
``WAIT`` per batch differs), and the cost ratio of ``replica`` to ``none`` (attempts/s and p99)."""

from __future__ import annotations

import argparse
import copy
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from redis import Redis as SyncRedis

from livecore.config import Settings
from livecore.services.redis_server import RedisServer

Run = Callable[[argparse.Namespace, Settings], Awaitable[dict[str, Any]]]
FAST_SYNC = ["--repl-diskless-sync-delay", "0"]


def _synced(replica: RedisServer, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    with SyncRedis(host=replica.host, port=replica.port) as r:
        while r.info("replication").get("master_link_status") != "up":
            if time.monotonic() > deadline:
                raise TimeoutError("the replica did not sync")
            time.sleep(0.05)


async def compare(run: Run, args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="flashsale-durability-"))
    primary = RedisServer(folder / "primary", args=FAST_SYNC).start()
    replica = RedisServer(folder / "replica", args=[*FAST_SYNC, "--replicaof", primary.host,
                                                    str(primary.port)]).start()
    try:
        _synced(replica)
        quick = copy.copy(args)
        quick.no_references = True  # the references do not depend on the durability setting
        out: dict[str, Any] = {}
        for mode in ("none", args.durability):
            cfg = settings.with_(redis_url=primary.url, redis_cluster=False, durability=mode)
            out[mode] = await run(quick, cfg)
        base, durable = out["none"], out[args.durability]
        out["durability"] = args.durability
        out["replica_over_none_attempts_per_s"] = _ratio(durable.get("attempts_per_s"), base.get("attempts_per_s"))
        out["replica_over_none_p99"] = _ratio(_p99(durable), _p99(base))
        return out
    finally:
        replica.stop()
        primary.stop()
        shutil.rmtree(folder, ignore_errors=True)


def ok(report: dict[str, Any]) -> bool:
    return all(r["oversold"] == 0 and r["duplicate_orders"] == 0 and r["pg_equals_redis_sold"]
               for k, r in report.items() if isinstance(r, dict))


def _p99(report: dict[str, Any]) -> float | None:
    value = report.get("p99_ms")
    return float(value) if value is not None else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None
