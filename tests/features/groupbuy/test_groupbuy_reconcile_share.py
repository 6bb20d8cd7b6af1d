"""``livecore reconcile --share ROOM`` (a subprocess on real Redis and PostgreSQL): a room whose group credits and
share outbox have drained agrees (exit 0); a planted difference, a credit PostgreSQL lost and a credited member
PostgreSQL holds as released, is named (exit 1), also when the share check runs beside ``--deal``."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from gbhelp import ROOM, ok

from livecore.config import Settings
from livecore.features.groupbuy.credit import crediter
from livecore.features.groupbuy.service import GroupBuyService
from livecore.features.share.service import ShareService
from livecore.features.share.worker import share_persister
from livecore.runtime import Runtime

ROOT = Path(__file__).resolve().parents[3]


async def cli(settings: Settings, *args: str) -> tuple[int, str]:
    run: Any = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "livecore", "reconcile", *args, cwd=ROOT, env={**os.environ, **settings.env()},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await run.communicate()
    return int(run.returncode), out.decode()


async def test_reconcile_share_names_a_planted_difference(settings: Settings, grt: Runtime, gb: GroupBuyService,  # type: ignore[no-untyped-def]
                                                          make_deal, worker) -> None:
    share = ShareService(grt)
    deal = (await make_deal(units=10, size=2, price=2500))["id"]
    group = ok(await gb.open(ROOM, "ann", deal, "k"))["group"]
    code = (await share.make_code(ROOM, "ann", "wechat", group))["code"]
    bob = ok(await gb.join(ROOM, "bob", group, "k", share=code))["order"]
    ok(await gb.pay(ROOM, group, "bob"))
    await worker.drain()
    await crediter(grt, "c").drain()
    await share_persister(grt, "p").drain()
    status, out = await cli(settings, "--share", ROOM)
    assert status == 0, out
    assert f"share attribution in room {ROOM}" in out and "credits: redis 1, postgresql 1" in out and "OK" in out
    assert grt.db is not None
    await grt.db.execute("DELETE FROM share_credits WHERE order_id = $1", bob)
    await grt.db.execute("UPDATE group_members SET status = 'released' WHERE order_id = $1", bob)
    status, out = await cli(settings, "--deal", deal, "--share", ROOM)
    assert status == 1, out
    assert "DIFFERENCE credits: redis 1 != postgresql 0" in out
    assert "DIFFERENCE credited_gmv: redis 2500 != postgresql 0" in out
    assert f"DIFFERENCE credited_not_paid: group orders credited to a referrer but not paid in " \
           f"postgresql: {bob} (released)" in out
    assert "DIFFERENCE member_status" in out  # the deal's own report, printed before
