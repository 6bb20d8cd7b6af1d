"""``livecore services``: find or start Redis and PostgreSQL, print the URLs to use."""

from __future__ import annotations

import argparse

from ..config import Settings
from .discover import resolve


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", action="store_true", help="print as LIVECORE_* assignments")


def run(args: argparse.Namespace, settings: Settings) -> int:
    resolved = resolve(settings)
    if args.env:
        print(f"LIVECORE_REDIS_URL={resolved.redis_url}")
        print(f"LIVECORE_DATABASE_URL={resolved.database_url}")
    else:
        print(f"redis:      {resolved.redis_url}")
        print(f"postgresql: {resolved.database_url}")
    return 0
