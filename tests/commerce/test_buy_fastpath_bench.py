"""The flash-sale benchmark's machinery: its figures (pure), and a tiny end-to-end run against real gateway,
worker, Redis and PostgreSQL processes whose report must balance (no oversell, every order persisted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from _flashsale.stats import Tally, before_sell_out, merge  # noqa: E402


def test_rates_before_the_sell_out_and_for_the_whole_storm() -> None:
    a, b = Tally(epoch=100.0), Tally(epoch=100.0)
    a.first_sent = b.first_sent = 100.0
    a.done(100.004, 0.002, "ok", "o1")
    b.done(100.015, 0.003, "ok", "o2")  # the last success: the sell-out, 15 ms in
    a.done(100.025, 0.001, "sold_out")
    b.done(100.200, 0.100, "sold_out")
    m = merge([a.to_json(), b.to_json()])
    assert m["attempts_done"] == 4 and m["codes"] == {"ok": 2, "sold_out": 2}
    assert sorted(m["orders"]) == ["o1", "o2"]
    assert m["wall_s"] == 0.2 and m["attempts_per_s"] == 20.0
    assert m["sell_out_s"] == 0.015 and m["attempts_before_sell_out"] == 2  # the 10 ms buckets up to 15 ms
    assert 99 <= m["p99_ms"] <= 101 and 1.9 <= m["p50_ms"] <= 2.1
    assert before_sell_out([5], 100.0, 100.0, 0.0)["attempts_per_s_before_sell_out"] is None


def test_a_tiny_storm_balances(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "fs.json"
    env = {**os.environ, **settings.env()}
    done = subprocess.run(
        [sys.executable, str(BENCH / "flashsale.py"), "--buyers", "20", "--stock", "30", "--attempts", "300",
         "--gateways", "1", "--procs", "1", "--pg-pool", "4", "--pg-procs", "1", "--redis-pipeline", "4",
         "--json", str(out)], env=env, capture_output=True, text=True, timeout=110)
    assert done.returncode == 0, done.stderr[-3000:]
    r = json.loads(out.read_text())
    assert r["attempts_done"] == 300 and r["connected"] == 20 and r["lost_during_storm"] == 0
    assert r["successes"] == 30 and r["refusals"] == {"sold_out": 270}
    assert r["oversold"] == 0 and r["duplicate_orders"] == 0
    assert r["stream_orders"] == r["pg_orders"] == 30 and r["pg_equals_redis_sold"]
    assert r["redis_benchmark"]["sold"] == 30 and r["redis_benchmark_pipelined"]["sold"] == 30
    assert r["postgres_only"]["successes"] == 30 and r["postgres_only"]["attempts_done"] == 300
    assert r["x_postgres_only"] and r["pct_of_redis_ceiling"]
    assert r["round_trip_floor"]["clients"] == 20 and r["round_trip_floor"]["requests_per_s"] > 0
    assert r["pct_of_round_trip_floor"] and r["round_trip_floor_x_postgres_only"]
