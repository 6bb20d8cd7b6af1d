"""Group-buy's outbox to PostgreSQL and its reconciliation, on real Redis and PostgreSQL: a worker killed
mid-batch (joins, completions, dissolutions, payments and lapses in its stream) loses and duplicates nothing;
reconcile agrees on a drained deal and names a planted difference."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from gbhelp import ROOM, members_pg, ok

from livecore.clock import ManualClock
from livecore.features.groupbuy.keys import GroupKeys
from livecore.features.groupbuy.persist import persister
from livecore.features.groupbuy.reconcile import reconcile
from livecore.features.groupbuy.service import GroupBuyService
from livecore.features.groupbuy.settle import GroupTimer
from workerkill import kill_midway

ROOT = Path(__file__).resolve().parents[3]


async def _fill(gb: GroupBuyService, deal: str, groups: int, complete: int) -> dict[str, str]:
    """Open ``groups`` groups of 2, fill the first ``complete``; returns order -> the status it must end in
    once the others dissolve."""
    gate = asyncio.Semaphore(40)
    expected: dict[str, str] = {}

    async def one(i: int) -> None:
        async with gate:
            a = ok(await gb.open(ROOM, f"a{i}", deal, "k"))
            if i < complete:
                b = ok(await gb.join(ROOM, f"b{i}", a["group"], "k"))
                expected[a["order"]] = expected[b["order"]] = "confirmed"
            else:
                expected[a["order"]] = "released"

    await asyncio.gather(*(one(i) for i in range(groups)))
    return expected


async def _leaders_of_complete_groups(gb: GroupBuyService, deal: str) -> dict[str, str]:
    """Leader -> group, for the deal's complete groups."""
    return {g["leader"]: g["id"] for g in await gb.groups(ROOM, deal, limit=10_000) if g["status"] == "complete"}


async def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(  # type: ignore[no-untyped-def]
        settings, grt, gb, make_deal, timer: GroupTimer, clock: ManualClock) -> None:
    deal = (await make_deal(units=5000, size=2, fill_s=60))["id"]
    expected = await _fill(gb, deal, 1500, 1000)
    clock.advance(61)
    while await timer.run_once():
        pass
    # the leaders of half the complete groups pay; every other member lets the payment window pass
    leaders = await _leaders_of_complete_groups(gb, deal)
    assert len(leaders) == 1000
    paying = sorted(leaders)[:500]
    for user in paying:
        paid = ok(await gb.pay(ROOM, leaders[user], user))
        expected[paid["order"]] = "paid"
    clock.advance(grt.settings.payment_window_s)
    while await timer.run_once():
        pass
    expected = {o: "lapsed" if st == "confirmed" else st for o, st in expected.items()}
    env = {**os.environ, **settings.env(), "LIVECORE_WORKER_BATCH": "50"}
    assert grt.db is not None
    await kill_midway(env, ["groupbuy"], lambda: grt.db.fetchval("SELECT count(*) FROM group_members"), 300)
    stream = GroupKeys(grt.keys).stream(ROOM)
    entries = await grt.redis.xlen(stream)
    pending = (await grt.redis.xpending(stream, "groupbuy"))["pending"]
    if pending == 0 and await grt.db.fetchval("SELECT count(*) FROM group_members") == len(expected):
        pytest.fail("the worker finished before it could be killed; open more groups in this test")
    survivor = persister(grt, "survivor")
    survivor.options["claim_idle_ms"] = 300
    deadline = time.monotonic() + 60
    while True:
        await survivor.refresh()
        done = await survivor.run_once()
        info = await grt.redis.xinfo_groups(stream)
        lag_done = all(int(g.get("pending", 0)) == 0 and g.get("lag") in (0, None) for g in info)
        if lag_done and await grt.db.fetchval("SELECT count(*) FROM group_members") == len(expected):
            break
        assert time.monotonic() < deadline, "the survivor did not finish"
        if done == 0:
            await asyncio.sleep(0.05)
    assert await members_pg(grt, deal) == expected  # every member once, in the status its group's outcome gave
    assert entries == 1500 + 1000 + 1000 + 500 + 500 + 1000  # opens, joins, completions, dissolutions, pays, lapses
    counts = dict(await grt.db.fetch("SELECT status, count(*) FROM buy_groups WHERE deal_id = $1 GROUP BY status",
                                     deal))
    assert counts == {"complete": 1000, "dissolved": 500}
    report = await reconcile(grt, deal)
    assert report.ok, report.text()


async def test_reconcile_names_a_planted_difference(grt, gb, make_deal, worker) -> None:  # type: ignore[no-untyped-def]
    deal = (await make_deal(units=20, size=2))["id"]
    expected = await _fill(gb, deal, 6, 4)
    await worker.drain()
    healthy = await reconcile(grt, deal)
    assert healthy.ok, healthy.text()
    assert healthy.groups == {"complete": 4, "open": 2}
    confirmed = sorted(o for o, st in expected.items() if st == "confirmed")
    assert grt.db is not None
    await grt.db.execute("UPDATE group_members SET status = 'released' WHERE order_id = $1", confirmed[0])
    await grt.redis.hincrby(GroupKeys(grt.keys).deal(ROOM, deal), "left", 1)  # a unit appearing from nowhere
    report = await reconcile(grt, deal)
    kinds = {d.kind: d for d in report.differences}
    assert set(kinds) == {"member_status", "units"}, report.text()
    assert kinds["member_status"].ids == [confirmed[0]]
    assert "DIFFERENCE member_status" in report.text() and confirmed[0] in report.text()


async def test_the_cli_reports_a_deal(settings, grt, gb, make_deal, worker) -> None:  # type: ignore[no-untyped-def]
    deal = (await make_deal(units=10, size=2))["id"]
    await _fill(gb, deal, 2, 1)
    await worker.drain()
    env = {**os.environ, **settings.env()}
    run: Any = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "livecore", "reconcile", "--deal", deal, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, _ = await run.communicate()
    # the CLI runs on the real clock (years before the test's manual one): the open group is not yet overdue
    assert run.returncode == 0, out.decode()
    assert f"group deal {deal} in room {ROOM}" in out.decode() and "OK" in out.decode()
    await grt.db.execute("DELETE FROM group_members WHERE seq = 2 AND deal_id = $1", deal)
    run = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "livecore", "reconcile", "--deal", deal, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, _ = await run.communicate()
    assert run.returncode == 1 and "DIFFERENCE not_persisted" in out.decode()


async def test_reconcile_names_a_deal_redis_lost(grt, gb, make_deal, worker) -> None:  # type: ignore[no-untyped-def]
    deal = (await make_deal(units=10, size=3))["id"]
    await _fill(gb, deal, 2, 0)  # two open groups of one member each
    await worker.drain()
    keys = GroupKeys(grt.keys)
    await grt.redis.delete(keys.deal(ROOM, deal))  # the deal's hash gone, as after a Redis that came back empty
    report = await reconcile(grt, deal)
    kinds = {d.kind: d.ids for d in report.differences}
    assert set(kinds) == {"missing_in_redis", "unsettled_in_pg"} and len(kinds["unsettled_in_pg"]) == 2
    assert report.members == {"reserved": 2}
