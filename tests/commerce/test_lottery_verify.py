"""``livecore verify-lottery`` recomputes the announced winners; editing an entry or the seed in PostgreSQL
makes it fail."""

import asyncio
import json
import os
import subprocess
import sys

import pytest

from livecore.core.draw import entries_digest, sorted_entries
from livecore.core.outcome import accepted
from livecore.features.lottery.service import LotteryIn, LotteryService


@pytest.fixture
async def drawn(crt):  # type: ignore[no-untyped-def]
    lot = LotteryService(crt)
    lt = (await lot.open("r9", LotteryIn(prize="bag", winners=2, condition="follow", duration_s=60), "h"))["id"]
    for i in range(12):
        await lot.on_follow("r9", f"fan{i:02d}")
        assert accepted(await lot.enter("r9", f"fan{i:02d}", lt, 0))
    result = await lot.draw("r9", lt, actor="h")
    await lot.close()
    return lt, result


async def verify_cli(settings, lottery: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    env = {**os.environ, **settings.env()}
    proc = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "livecore", "verify-lottery", lottery, "--json"],
        env=env, capture_output=True, text=True, timeout=60)
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else {}


async def test_verify_cli_recomputes_the_announced_winners(settings, crt, drawn) -> None:  # type: ignore[no-untyped-def]
    lt, result = drawn
    code, report = await verify_cli(settings, lt)
    assert code == 0, report
    assert report["ok"] and report["recomputed"] == report["winners"] == result["winners"]
    assert report["entries"] == 12 and report["seed"] == result["seed"]
    code, report = await verify_cli(settings, "ltunknown")
    assert code == 2 and not report["ok"]


async def test_tampering_with_an_entry_fails_verification(settings, crt, drawn) -> None:  # type: ignore[no-untyped-def]
    lt, result = drawn
    loser = next(f"fan{i:02d}" for i in range(12) if f"fan{i:02d}" not in result["winners"])
    await crt.db.execute("UPDATE lottery_entries SET user_id = 'sockpuppet' WHERE lottery_id = $1 AND user_id = $2",
                         lt, loser)
    code, report = await verify_cli(settings, lt)
    assert code == 1 and not report["ok"]
    assert any("digest" in p for p in report["problems"])
    # even when the forger also rewrites the recorded digest, the room was told the real one
    service = LotteryService(crt)
    entries = (await service.public_record(lt))["entries"]
    await crt.db.execute("UPDATE lotteries SET entries_digest = $2 WHERE id = $1", lt,
                         entries_digest(sorted_entries(entries)))
    report = await service.verify(lt)
    assert not report["ok"] and any("announced" in p for p in report["problems"])


async def test_tampering_with_the_seed_fails_verification(settings, crt, drawn) -> None:  # type: ignore[no-untyped-def]
    lt, _ = drawn
    await crt.db.execute("UPDATE lotteries SET seed = $2 WHERE id = $1", lt, "ab" * 32)
    code, report = await verify_cli(settings, lt)
    assert code == 1 and not report["ok"]
    assert any("seed hash" in p for p in report["problems"])


async def test_a_forged_winner_list_fails_verification(crt, drawn) -> None:  # type: ignore[no-untyped-def]
    lt, result = drawn
    await crt.db.execute("UPDATE lottery_winners SET user_id = 'friend_of_host' WHERE lottery_id = $1 AND rank = 1", lt)
    report = await LotteryService(crt).verify(lt)
    assert not report["ok"] and report["recomputed"] == result["winners"]
