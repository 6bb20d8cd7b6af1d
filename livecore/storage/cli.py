"""``livecore migrate``: apply pending migrations."""

from __future__ import annotations

import argparse
import asyncio

from ..cli_help import setting_default
from ..config import Settings
from ..services.discover import resolve
from .db import connect
from .migrate import migrate


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--schema", default=None, help=f"schema to migrate ({setting_default('database_schema')})")


def run(args: argparse.Namespace, settings: Settings) -> int:
    settings = resolve(settings)
    schema = args.schema or settings.database_schema

    async def go() -> None:
        conn = await connect(settings.database_url, schema)
        try:
            done = await migrate(conn, schema)
        finally:
            await conn.close()
        for m in done:
            print(f"applied {m.version:04d}_{m.name}")
        if not done:
            print("nothing to apply")

    asyncio.run(go())
    return 0
