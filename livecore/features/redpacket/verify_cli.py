"""``livecore verify-redpacket ID``: recompute a red packet's split from its revealed seed.

Reads the seed hash, the seed, the recorded amounts and every credit of the wallet ledger from PostgreSQL,
recomputes the double-mean split (``docs/features/redpacket.md``), checks each amount and that the given sum
plus the leftover is the total, and cross-checks what the room was told while those events are still in its
stream. Exit status: 0 verified, 1 mismatch, 2 unknown or not ended.
"""

from __future__ import annotations

import argparse

from ...config import Settings
from .. import verify
from .service import RedPacketService


def configure(parser: argparse.ArgumentParser) -> None:
    verify.configure(parser, "redpacket", "red packet id (rp...)")


def _lines(report: verify.Report) -> list[str]:
    return [f"red packet {report['redpacket']} (room {report['room']})",
            f"split      {report['count']} packets, {report['total']} cents",
            f"credited   {report['grabbed']} packets, {report['given']} cents; leftover {report['leftover']}"]


def run(args: argparse.Namespace, settings: Settings) -> int:
    return verify.run(settings, what=f"red packet {args.redpacket}", as_json=args.json,
                      verify=lambda rt: RedPacketService(rt).verify(args.redpacket), lines=_lines,
                      ok_text="every amount follows from the seed")
