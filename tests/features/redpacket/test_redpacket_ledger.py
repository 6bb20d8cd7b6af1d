"""The ``redpackets`` worker killed mid-batch (SIGKILL, a real ``livecore worker`` process): a survivor finishes,
and no ledger row is lost or duplicated, and every balance is exactly what its user grabbed."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from livecore.features.redpacket.keys import RedPacketKeys
from livecore.features.redpacket.model import RedPacketIn
from livecore.features.redpacket.service import RedPacketService
from livecore.features.redpacket.worker import ledger_writer
from workerkill import kill_midway

ROOT = Path(__file__).resolve().parents[3]
N = 3000


async def test_a_ledger_worker_killed_mid_batch_loses_and_duplicates_no_row(
        settings, crt, packets: RedPacketService, db) -> None:  # type: ignore[no-untyped-def]
    rp = await packets.launch("r3", RedPacketIn(total=N * 100, count=N, window_s=60), "host")
    gate = asyncio.Semaphore(64)
    amounts: dict[str, int] = {}

    async def grab(i: int) -> None:
        async with gate:
            answer = await packets.grab("r3", f"u{i}", rp["id"], "k", 0)
            assert isinstance(answer, dict), answer
            amounts[f"u{i}"] = answer["amount"]

    await asyncio.gather(*(grab(i) for i in range(N)))
    env = {**os.environ, **settings.env(), "LIVECORE_WORKER_BATCH": "50"}
    count = "SELECT count(*) FROM wallet_ledger WHERE kind = 'grab'"
    await kill_midway(env, ["redpackets"], lambda: db.fetchval(count), 200, doing="crediting")
    if await db.fetchval(count) == N:
        pytest.fail("the worker finished before it could be killed; grab more packets in this test")
    survivor = ledger_writer(crt, "survivor", claim_idle_ms=300)
    await survivor.refresh()
    stream = RedPacketKeys(crt.keys).outbox("r3")
    deadline = time.monotonic() + 60
    while await db.fetchval(count) < N or (await crt.redis.xpending(stream, "redpackets"))["pending"] > 0:
        assert time.monotonic() < deadline, "the survivor did not finish"
        if await survivor.run_once() == 0:
            await asyncio.sleep(0.05)
    rows = await db.fetch("SELECT ref, user_id, delta FROM wallet_ledger WHERE kind = 'grab'")
    assert len(rows) == N and len({r["ref"] for r in rows}) == N
    assert {r["user_id"]: r["delta"] for r in rows} == amounts
    balances = {r["user_id"]: r["balance"] for r in await db.fetch("SELECT user_id, balance FROM wallets")}
    assert {u: balances[u] for u in amounts} == amounts
    assert sum(amounts.values()) == N * 100  # every packet grabbed: the split's sum
