"""``livecore restore [--room R | --sale ID | --batch ID] [--feature NAME [--id ID]] [--json]``: rebuild what
Redis lost from PostgreSQL's record: flash sales, then every registered feature's part (coupon batches, open
lotteries, red packets, open polls, group deals).

Run it after Redis came back empty (the processes log a generation change and answer purchases of lost sales
``unavailable``). Records Redis still holds are left alone, so it is safe to run twice. Without ``--room``,
``--sale``, ``--batch`` or ``--feature`` it restores everything and then lifts the "restore required" state.
Exit status 0 when done.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from ..config import Settings
from ..features import registry
from ..features.base import RestoreScope
from ..runtime import open_runtime
from ..services.discover import resolve
from .restore import restore


def configure(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--room", default=None, help="restore only this room (default: every room)")
    which.add_argument("--sale", default=None, help="restore only this sale (default: every sale)")
    which.add_argument("--batch", default=None, help="restore only this coupon batch (default: every batch)")
    parser.add_argument("--feature", default=None, choices=["sales", *(name for name, _ in registry.restorers())],
                        help="restore only this feature's records, with --room in that room (default: every feature)")
    parser.add_argument("--id", default=None,
                        help="with --feature: only this record, a red packet, a poll, ... (default: all of them)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON (default: text)")


def scope_of(args: argparse.Namespace) -> RestoreScope:
    if args.id is not None and args.feature is None:
        raise SystemExit("livecore restore: --id needs --feature")
    if args.feature is not None and (args.sale is not None or args.batch is not None):
        raise SystemExit("livecore restore: --feature goes with --room, not with --sale or --batch")
    if args.sale is not None:
        return RestoreScope(feature="sales", ident=args.sale)
    if args.batch is not None:
        return RestoreScope(feature="coupons", ident=args.batch)
    return RestoreScope(room=args.room, feature=args.feature, ident=args.id)


def run(args: argparse.Namespace, settings: Settings) -> int:
    settings = resolve(settings)
    scope = scope_of(args)

    async def go() -> int:
        async with open_runtime(settings, db_max_size=2) as rt:
            report = await restore(rt, scope)
        print(json.dumps(report.as_dict(), indent=2) if args.json else report.text())
        return 0

    return asyncio.run(go())
