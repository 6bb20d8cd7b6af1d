"""``livecore verify-lottery ID``: recompute a lottery's winners from its published record.

Reads the seed hash, the revealed seed, the entry list and the winners from PostgreSQL, recomputes the draw
(``docs/lottery.md``) and cross-checks what the room was told while those events are still in its stream.
Exit status: 0 verified, 1 mismatch, 2 unknown or not drawn.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from ...config import Settings
from ...runtime import open_runtime
from ...services.discover import resolve
from .service import LotteryService


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("lottery", help="lottery id (lt...)")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")


async def check(settings: Settings, lottery: str) -> dict[str, Any]:
    async with open_runtime(settings, db_max_size=2) as rt:
        return await LotteryService(rt).verify(lottery)


def run(args: argparse.Namespace, settings: Settings) -> int:
    report = asyncio.run(check(resolve(settings), args.lottery))
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif "seed" not in report:
        print(f"lottery {args.lottery}: cannot verify: {'; '.join(report['problems'])}")
    else:
        print(f"lottery   {report['lottery']} (room {report['room']})")
        print(f"seed hash {report['seed_hash']}")
        print(f"seed      {report['seed']}")
        print(f"entries   {report['entries']} (digest {report['entries_digest']})")
        print(f"winners   {', '.join(report['winners']) or '-'}")
        print(f"recomputed {', '.join(report['recomputed']) or '-'}")
        checked = ", ".join(report["announcements_checked"]) or "none left in the room's stream"
        print(f"announcements checked: {checked}")
        for problem in report["problems"]:
            print(f"MISMATCH: {problem}")
        print("OK: the winners follow from the seed and the entries" if report["ok"] else "FAILED")
    if report["ok"]:
        return 0
    return 1 if "seed" in report else 2
