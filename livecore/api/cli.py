"""``livecore api --host H --port P``: the HTTP API, the console and the viewer pages on uvicorn + uvloop.

Services are resolved first (configured, local, or embedded Redis/PostgreSQL) and pending migrations are
applied before the first request, so a fresh deployment needs no separate ``migrate`` step. Several API
processes can run side by side: the migration runner takes an advisory lock.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

import uvicorn

from ..cli_help import setting_default
from ..config import Settings
from ..secrets_check import require_secrets
from ..services.discover import resolve
from ..storage.db import connect
from ..storage.migrate import migrate
from .app import build_app

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=None, help=f"listen address ({setting_default('host')})")
    parser.add_argument("--port", type=int, default=None, help=f"listen port ({setting_default('api_port')})")
    parser.add_argument("--no-migrate", action="store_true", help="do not apply pending migrations at start-up")


async def apply_migrations(settings: Settings) -> None:
    conn = await connect(settings.database_url, settings.database_schema)
    try:
        for m in await migrate(conn, settings.database_schema):
            log.info("applied migration %04d_%s", m.version, m.name)
    finally:
        await conn.close()


def run(args: argparse.Namespace, settings: Settings) -> int:
    require_secrets(settings)
    settings = resolve(settings)
    host = args.host or settings.host
    port = args.port or settings.api_port
    settings = settings.with_(host=host, api_port=port)
    if not args.no_migrate:
        asyncio.run(apply_migrations(settings))
    config = uvicorn.Config(build_app(settings), host=host, port=port, loop="uvloop", lifespan="on",
                            log_level="warning", access_log=False, timeout_graceful_shutdown=5)
    log.info("api listening on http://%s:%d (console /console/, viewer page /room/{id})", host, port)
    uvicorn.Server(config).run()
    return 0
