"""A ``livecore worker`` process running the share workers is killed (SIGKILL) mid-batch; a survivor takes its
pending entries over: every visit, referral and credit reaches PostgreSQL once, and Redis credits each order once."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from sharehelp import sale_spec

from livecore.core.outcome import accepted
from livecore.features.share.keys import ShareKeys
from livecore.features.share.reconcile import reconcile
from livecore.features.share.service import ShareService
from livecore.features.share.worker import order_crediter, share_persister
from livecore.runtime import Runtime
from workerkill import kill_midway

ROOT = Path(__file__).resolve().parents[3]
ROOM = "r1"
VIEWERS = 3000
BUYERS = 300


async def test_a_share_worker_killed_mid_batch_loses_and_duplicates_nothing(settings, srt: Runtime, share: ShareService,  # type: ignore[no-untyped-def]
                                                                            sales, orders, db) -> None:
    codes = [(await share.make_code(ROOM, f"s{i}", "wechat"))["code"] for i in range(10)]
    sem = asyncio.Semaphore(50)

    async def visit(i: int) -> None:
        async with sem:
            assert accepted(await share.visit(ROOM, f"v{i}", codes[i % 10]))

    await asyncio.gather(*(visit(i) for i in range(VIEWERS)))
    sale = (await sales.create(ROOM, sale_spec(quantity=BUYERS, price=700), "host"))["id"]

    async def buy(i: int) -> None:
        async with sem:
            bought = await sales.buy(ROOM, f"v{i}", sale, f"k{i}")
            assert accepted(bought), bought
            assert accepted(await orders.pay(bought["order"], f"v{i}"))

    await asyncio.gather(*(buy(i) for i in range(BUYERS)))
    env = {**os.environ, **settings.env(), "LIVECORE_WORKER_BATCH": "50", "PYTHONPATH": str(ROOT)}
    await kill_midway(env, ["share", "share-orders"], lambda: db.fetchval("SELECT count(*) FROM share_visits"), 200)
    if await db.fetchval("SELECT count(*) FROM share_visits") == VIEWERS:
        pytest.fail("the worker finished before it could be killed; make more visits in this test")
    persister = share_persister(srt, "survivor", claim_idle_ms=300)
    crediter = order_crediter(srt, "survivor", claim_idle_ms=300)
    out = ShareKeys(srt.keys).outbox(ROOM)
    deadline = time.monotonic() + 90
    while True:
        done = await crediter.run_once() + await persister.run_once()
        checked = await reconcile(srt, ROOM)
        if checked["ok"] and checked["outbox_behind"] == 0 and checked["redis"]["credits"] == BUYERS:
            break
        assert time.monotonic() < deadline, checked
        if done == 0:
            await asyncio.sleep(0.05)
    assert await db.fetchval("SELECT count(*) FROM share_visits") == VIEWERS
    assert await db.fetchval("SELECT count(DISTINCT user_id) FROM share_referrals") == VIEWERS
    assert await db.fetchval("SELECT count(*) FROM share_credits") == BUYERS
    assert await db.fetchval("SELECT sum(amount) FROM share_credits") == BUYERS * 700
    assert await srt.redis.xlen(out) == VIEWERS * 2 + BUYERS  # a visit and a referral each, a credit per order
