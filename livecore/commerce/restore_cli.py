"""``livecore restore [--room R | --sale ID | --batch ID]``: rebuild the sales and coupon batches Redis lost
from PostgreSQL's record.

Run it after Redis came back empty (the processes log a generation change and answer purchases of lost sales
``unavailable``). Sales Redis still holds are left alone, so it is safe to run twice. Without ``--room``,
``--sale`` or ``--batch`` it restores every sale and batch and then lifts the "restore required" state.
Exit status 0 when done.
"""

from __future__ import annotations

import argparse
import asyncio

from ..config import Settings
from ..runtime import open_runtime
from ..services.discover import resolve
from .restore import restore


def configure(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--room", default=None, help="restore only this room's sales (default: every room)")
    which.add_argument("--sale", default=None, help="restore only this sale (default: every sale)")
    which.add_argument("--batch", default=None, help="restore only this coupon batch (default: every batch)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    settings = resolve(settings)

    async def go() -> int:
        async with open_runtime(settings, db_max_size=2) as rt:
            report = await restore(rt, room=args.room, sale=args.sale, batch=args.batch)
        print(report.text())
        return 0

    return asyncio.run(go())
