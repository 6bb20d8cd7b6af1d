"""``livecore reconcile --sale ID``: does Redis, the orders stream and PostgreSQL agree about a sale?

Exit status 0 when they agree, 1 when there are differences (each printed with the order ids involved), 2 when
the sale is unknown. Run it after the order worker has drained, or "not_persisted" lists the backlog.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from ..config import Settings
from ..runtime import open_runtime
from ..services.discover import resolve
from .reconcile import SaleNotFound, reconcile


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sale", required=True, help="sale id")
    parser.add_argument("--room", default=None, help="room of the sale (default: looked up in PostgreSQL)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace, settings: Settings) -> int:
    settings = resolve(settings)

    async def go() -> int:
        async with open_runtime(settings, db_max_size=2) as rt:
            try:
                report = await reconcile(rt, args.sale, args.room)
            except SaleNotFound as exc:
                print(f"error: {exc}")
                return 2
        print(json.dumps(report.as_dict(), indent=2) if args.json else report.text())
        return 0 if report.ok else 1

    return asyncio.run(go())
