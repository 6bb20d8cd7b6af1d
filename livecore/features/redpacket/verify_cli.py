"""``livecore verify-redpacket ID``: recompute a red packet's split from its revealed seed.

Reads the seed hash, the seed, the recorded amounts and every credit of the wallet ledger from PostgreSQL,
recomputes the double-mean split (``docs/features/redpacket.md``), checks each amount and that the given sum
plus the leftover is the total, and cross-checks what the room was told while those events are still in its
stream. Exit status: 0 verified, 1 mismatch, 2 unknown or not ended.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from ...config import Settings
from ...runtime import open_runtime
from ...services.discover import resolve
from .service import RedPacketService


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("redpacket", help="red packet id (rp...)")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")


async def check(settings: Settings, packet: str) -> dict[str, Any]:
    async with open_runtime(settings, db_max_size=2) as rt:
        return await RedPacketService(rt).verify(packet)


def run(args: argparse.Namespace, settings: Settings) -> int:
    report = asyncio.run(check(resolve(settings), args.redpacket))
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif "seed" not in report:
        print(f"red packet {args.redpacket}: cannot verify: {'; '.join(report['problems'])}")
    else:
        print(f"red packet {report['redpacket']} (room {report['room']})")
        print(f"seed hash  {report['seed_hash']}")
        print(f"seed       {report['seed']}")
        print(f"split      {report['count']} packets, {report['total']} cents")
        print(f"credited   {report['grabbed']} packets, {report['given']} cents; leftover {report['leftover']}")
        checked = ", ".join(report["announcements_checked"]) or "none left in the room's stream"
        print(f"announcements checked: {checked}")
        for problem in report["problems"]:
            print(f"MISMATCH: {problem}")
        print("OK: every amount follows from the seed" if report["ok"] else "FAILED")
    if report["ok"]:
        return 0
    return 1 if "seed" in report else 2
