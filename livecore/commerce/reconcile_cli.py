"""``livecore reconcile --sale ID`` / ``--deal ID``: does Redis, the outbox stream and PostgreSQL agree about a
sale, or about a group deal (拼团: ``livecore.features.groupbuy.reconcile``)?

Exit status 0 when they agree, 1 when there are differences (each printed with the ids involved), 2 when
the sale or deal is unknown. Run it after the workers have drained, or "not_persisted" lists the backlog.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from ..config import Settings
from ..features.groupbuy.reconcile import DealNotFound, DealReport
from ..features.groupbuy.reconcile import reconcile as reconcile_deal
from ..runtime import open_runtime
from ..services.discover import resolve
from .reconcile import Report, SaleNotFound, reconcile


def configure(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--sale", help="sale id (default: none; one of --sale and --deal is required)")
    which.add_argument("--deal", help="group deal id, 拼团 (default: none)")
    parser.add_argument("--room", default=None, help="room of the sale or deal (default: looked up in PostgreSQL)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace, settings: Settings) -> int:
    settings = resolve(settings)

    async def go() -> int:
        async with open_runtime(settings, db_max_size=2) as rt:
            try:
                report: Report | DealReport = (await reconcile(rt, args.sale, args.room) if args.sale else
                                               await reconcile_deal(rt, args.deal, args.room))
            except (SaleNotFound, DealNotFound) as exc:
                print(f"error: {exc}")
                return 2
        print(json.dumps(report.as_dict(), indent=2) if args.json else report.text())
        return 0 if report.ok else 1

    return asyncio.run(go())
