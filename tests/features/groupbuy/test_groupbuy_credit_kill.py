"""A ``livecore worker --only groupbuy-credit`` process is killed (SIGKILL) while it credits paid group orders; a
survivor takes its pending entries over: every referred member's order is credited once, none is lost, none twice
(the funnel, the credited orders and the share outbox all agree)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from gbhelp import ROOM, ok

from livecore.config import Settings
from livecore.features.groupbuy.credit import GROUP, crediter
from livecore.features.groupbuy.keys import GroupKeys
from livecore.features.groupbuy.service import GroupBuyService
from livecore.features.share.keys import ShareKeys
from livecore.features.share.service import ShareService
from livecore.runtime import Runtime
from workerkill import kill_midway

ROOT = Path(__file__).resolve().parents[3]
GROUPS = 600
PRICE = 1990


async def test_a_group_crediter_killed_mid_batch_loses_and_duplicates_nothing(settings: Settings, grt: Runtime,  # type: ignore[no-untyped-def]
                                                                               gb: GroupBuyService, make_deal) -> None:
    share = ShareService(grt)
    deal = (await make_deal(units=2 * GROUPS, size=2, price=PRICE))["id"]
    sem = asyncio.Semaphore(40)
    orders: list[str] = []

    async def one(i: int) -> None:
        async with sem:
            group = ok(await gb.open(ROOM, f"lead{i}", deal, "k"))["group"]
            code = (await share.make_code(ROOM, f"lead{i}", "wechat", group))["code"]
            joined = ok(await gb.join(ROOM, f"m{i}", group, "k", share=code))
            assert joined["status"] == "complete"
            ok(await gb.pay(ROOM, group, f"m{i}"))
            orders.append(joined["order"])

    await asyncio.gather(*(one(i) for i in range(GROUPS)))
    sk = ShareKeys(grt.keys)
    env = {**os.environ, **settings.env(), "LIVECORE_WORKER_BATCH": "10", "PYTHONPATH": str(ROOT)}
    await kill_midway(env, ["groupbuy-credit"],
                      lambda: grt.redis.hlen(sk.credited(ROOM)), 40, doing="crediting", poll_s=0.005)
    if await grt.redis.hlen(sk.credited(ROOM)) == GROUPS:
        pytest.fail("the worker finished before it could be killed; make more groups in this test")
    stream = GroupKeys(grt.keys).stream(ROOM)
    # the kill lands wherever it lands (between two batches, or after a batch's credits and before its XACK);
    # test_groupbuy_credit.py kills a consumer exactly there, in process
    survivor = crediter(grt, "survivor", claim_idle_ms=200)
    deadline = time.monotonic() + 60
    while (await grt.redis.xpending(stream, GROUP))["pending"] or await grt.redis.hlen(sk.credited(ROOM)) < GROUPS:
        assert time.monotonic() < deadline, "the survivor did not finish"
        if await survivor.run_once() == 0:
            await asyncio.sleep(0.05)
    credits = [f for _, f in await grt.redis.xrange(sk.outbox(ROOM)) if f[b"k"] == b"credit"]
    assert sorted(f[b"order"].decode() for f in credits) == sorted(orders)  # once each
    row = next(r for r in (await share.funnel(ROOM))["channels"] if r["channel"] == "wechat")
    assert (row["joins"], row["orders"], row["gmv"]) == (GROUPS, GROUPS, GROUPS * PRICE)
