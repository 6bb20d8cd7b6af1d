"""``livecore verify-lottery ID``: recompute a lottery's winners from its published record.

Reads the seed hash, the revealed seed, the entry list and the winners from PostgreSQL, recomputes the draw
(``docs/lottery.md``) and cross-checks what the room was told while those events are still in its stream.
Exit status: 0 verified, 1 mismatch, 2 unknown or not drawn.
"""

from __future__ import annotations

import argparse

from ...config import Settings
from .. import verify
from .service import LotteryService


def configure(parser: argparse.ArgumentParser) -> None:
    verify.configure(parser, "lottery", "lottery id (lt...)")


def _lines(report: verify.Report) -> list[str]:
    return [f"lottery {report['lottery']} (room {report['room']})",
            f"entries    {report['entries']} (digest {report['entries_digest']})",
            f"winners    {', '.join(report['winners']) or '-'}",
            f"recomputed {', '.join(report['recomputed']) or '-'}"]


def run(args: argparse.Namespace, settings: Settings) -> int:
    return verify.run(settings, what=f"lottery {args.lottery}", as_json=args.json,
                      verify=lambda rt: LotteryService(rt).verify(args.lottery), lines=_lines,
                      ok_text="the winners follow from the seed and the entries")
