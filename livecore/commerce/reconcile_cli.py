"""``livecore reconcile --sale ID`` / ``--deal ID`` / ``--share ROOM``: does Redis, the outbox stream and PostgreSQL
agree about a sale, about a group deal (拼团: ``livecore.features.groupbuy.reconcile``), or about a room's share
attribution (分享裂变: ``livecore.features.share.reconcile``, with group-buy's credits of completed groups)?

``--share`` may be given alone or beside ``--sale`` / ``--deal``; every check asked for runs and prints its report.
Exit status 0 when everything agrees, 1 when there are differences (each printed by name with the ids or the
figures involved), 2 when the sale or deal is unknown. Run it after the workers have drained, or "not_persisted"
(and, for share, the ``*_behind`` figures) lists the backlog.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from ..config import Settings
from ..features.groupbuy.credit import check as check_group_credits
from ..features.groupbuy.reconcile import DealNotFound, DealReport
from ..features.groupbuy.reconcile import reconcile as reconcile_deal
from ..features.share.reconcile import reconcile as reconcile_share
from ..features.share.reconcile import text as share_text
from ..runtime import Runtime, open_runtime
from ..services.discover import resolve
from .reconcile import Report, SaleNotFound, reconcile


def configure(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--sale", help="sale id (default: none; at least one of --sale, --deal, --share is required)")
    which.add_argument("--deal", help="group deal id, 拼团 (default: none)")
    parser.add_argument("--share", metavar="ROOM", default=None,
                        help="also (or only) check the room's share attribution: funnel counts, credits, the help "
                             "campaign's unlocks, group-buy credits (default: none)")
    parser.add_argument("--room", default=None, help="room of the sale or deal (default: looked up in PostgreSQL)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


async def share_report(rt: Runtime, room: str) -> dict[str, Any]:
    """Share's reconciliation of ``room`` with group-buy's part (credited group orders, the crediter's lag)."""
    report = await reconcile_share(rt, room)
    groups = await check_group_credits(rt, room)
    report["differences"] = [*report["differences"], *groups["differences"]]
    report["group_credits_behind"] = groups["group_credits_behind"]
    report["ok"] = not report["differences"]
    return report


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not (args.sale or args.deal or args.share):
        print("error: give --sale ID, --deal ID or --share ROOM (see --help)")
        return 2
    settings = resolve(settings)

    async def go() -> int:
        found: dict[str, Any] = {}
        texts: list[str] = []
        ok = True
        async with open_runtime(settings, db_max_size=2) as rt:
            if args.sale or args.deal:
                try:
                    report: Report | DealReport = (await reconcile(rt, args.sale, args.room) if args.sale else
                                                   await reconcile_deal(rt, args.deal, args.room))
                except (SaleNotFound, DealNotFound) as exc:
                    print(f"error: {exc}")
                    return 2
                found["sale" if args.sale else "deal"] = report.as_dict()
                texts.append(report.text())
                ok = ok and report.ok
            if args.share:
                shared = await share_report(rt, args.share)
                found["share"] = shared
                texts.append(share_text(shared))
                ok = ok and bool(shared["ok"])
        if args.json:
            print(json.dumps(found if len(found) > 1 else next(iter(found.values())), indent=2, default=str))
        else:
            print("\n\n".join(texts))
        return 0 if ok else 1

    return asyncio.run(go())
