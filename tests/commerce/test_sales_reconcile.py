"""Reconciliation: the pure comparison, and a planted difference found by ``livecore reconcile``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from livecore.commerce.reconcile import OrderFacts, compare, reconcile
from livecore.commerce.sale_keys import SaleKeys
from livecore.workers.orders import order_persister

ROOT = Path(__file__).resolve().parents[2]
PAID, RES, EXP = OrderFacts("paid", 1), OrderFacts("reserved", 1), OrderFacts("expired", 1)


def test_agreeing_views_have_no_difference() -> None:
    views = {"a": PAID, "b": RES, "c": EXP}
    assert compare(quantity=5, stock=3, sold=2, redis=views, stream=["a", "b", "c"], pg=dict(views)) == []


def test_each_kind_of_difference_names_its_orders() -> None:
    redis = {"a": PAID, "b": RES, "c": RES}
    diffs = compare(quantity=5, stock=1, sold=3, redis=redis, stream=["a", "b", "b", "x"],
                    pg={"a": RES, "b": RES, "x": RES, "y": PAID})
    found = {d.kind: d.orders for d in diffs}
    assert found == {"counters": [], "duplicate_in_stream": ["b"], "missing_in_stream": ["c"],
                     "unknown_in_stream": ["x"], "unknown_in_pg": ["y"], "status_mismatch": ["a"],
                     "not_in_redis": ["x", "y"]}
    over = compare(quantity=5, stock=2, sold=3, redis=redis, stream=["a", "b", "c"], pg=dict(redis))
    assert over == []
    under = compare(quantity=5, stock=1, sold=4, redis=redis, stream=["a", "b", "c"], pg=dict(redis))
    assert [d.kind for d in under] == ["sold_vs_orders"]
    short = compare(quantity=3, stock=0, sold=3, redis=redis, stream=["a", "b", "c"], pg={"a": PAID, "b": RES})
    assert [(d.kind, d.orders) for d in short] == [("not_persisted", ["c"])]


async def test_reconcile_reports_a_planted_difference(settings, crt, sales, orders, db, make_spec) -> None:  # type: ignore[no-untyped-def]
    sale = await sales.create("r1", make_spec(quantity=30, per_user=1), "host")
    sid = sale["id"]
    bought = [await sales.buy("r1", f"u{i}", sid, "k") for i in range(20)]
    await orders.pay(bought[0]["order"], "u0")
    await order_persister(crt, "w").drain()
    report = await reconcile(crt, sid)
    assert report.ok, report.text()
    assert (report.sold, report.redis_orders, report.stream_orders, report.pg_orders) == (20, 20, 20, 20)
    env = {**os.environ, **settings.env()}
    cli = [sys.executable, "-m", "livecore", "reconcile", "--sale", sid]
    done = subprocess.run(cli, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    # plant: an order lost on the way to PostgreSQL, and a status that did not arrive
    lost, stale = bought[5]["order"], bought[0]["order"]
    await db.execute("DELETE FROM orders WHERE id = $1", lost)
    await db.execute("UPDATE orders SET status = 'reserved' WHERE id = $1", stale)
    await crt.redis.hincrby(SaleKeys(crt.keys).sale("r1", sid), "sold", 1)
    done = subprocess.run(cli, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"DIFFERENCE not_persisted: stream entries not in PostgreSQL: {lost}" in done.stdout
    assert f"DIFFERENCE status_mismatch: status in Redis differs from PostgreSQL: {stale}" in done.stdout
    assert "DIFFERENCE counters" in done.stdout and "DIFFERENCE sold_vs_orders" in done.stdout
    unknown = subprocess.run([*cli[:-1], "nope"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2
