"""The shared shape of a ``livecore verify-<feature> ID`` command: run the feature's ``verify`` on a short-lived
runtime, print the report (or it as JSON), exit 0 verified, 1 mismatch, 2 unknown or not yet revealed (a report
without ``seed``)."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from ..config import Settings
from ..runtime import Runtime, open_runtime
from ..services.discover import resolve

Report = dict[str, Any]


def configure(parser: argparse.ArgumentParser, name: str, help_text: str) -> None:
    parser.add_argument(name, help=help_text)
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")


async def _check(settings: Settings, verify: Callable[[Runtime], Awaitable[Report]]) -> Report:
    async with open_runtime(settings, db_max_size=2) as rt:
        return await verify(rt)


def run(settings: Settings, *, what: str, as_json: bool, verify: Callable[[Runtime], Awaitable[Report]],
        lines: Callable[[Report], list[str]], ok_text: str) -> int:
    """``what`` names the record in the "cannot verify" line; ``lines`` are the report's title and its own
    figures, their values from the 12th column (the seed hash and the seed follow the title)."""
    report = asyncio.run(_check(resolve(settings), verify))
    if as_json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif "seed" not in report:
        print(f"{what}: cannot verify: {'; '.join(report['problems'])}")
    else:
        title, *figures = lines(report)
        for line in [title, f"seed hash  {report['seed_hash']}", f"seed       {report['seed']}", *figures]:
            print(line)
        checked = ", ".join(report["announcements_checked"]) or "none left in the room's stream"
        print(f"announcements checked: {checked}")
        for problem in report["problems"]:
            print(f"MISMATCH: {problem}")
        print(f"OK: {ok_text}" if report["ok"] else "FAILED")
    if report["ok"]:
        return 0
    return 1 if "seed" in report else 2
