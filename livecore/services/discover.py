"""Resolve the Redis and PostgreSQL URLs: configured, else on the default local ports, else embedded.

Embedded servers are real ones (redis-server, PostgreSQL) started under ``<data_dir>/`` and left running so
that every livecore process of the deployment (gateways, API, workers) shares them; their addresses are
recorded in ``<data_dir>/services.json``, their pids in their pidfiles (``redis/redis.pid``,
``postgres/pgdata/postmaster.pid``, which ``make clean`` reads). A caller that passes ``started`` learns which
servers this call started, to stop them when it ends (the demo does).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from ..config import Settings
from .ports import answers, free_port
from .postgres_server import PostgresServer
from .redis_server import RedisServer

log = logging.getLogger(__name__)

DEFAULT_REDIS = ("127.0.0.1", 6379)
DEFAULT_POSTGRES = ("127.0.0.1", 5432)
DATABASE = "livecore"


@dataclass
class Started:
    """The embedded servers one ``resolve`` call started."""

    redis: list[RedisServer] = field(default_factory=list)
    postgres: list[PostgresServer] = field(default_factory=list)

    def stop(self) -> None:
        for pg in self.postgres:
            pg.stop("fast")
            log.info("stopped embedded PostgreSQL on port %d", pg.port)
        for server in self.redis:
            server.terminate()
            log.info("stopped embedded redis-server on port %d", server.port)
        self.postgres.clear()
        self.redis.clear()


def resolve(settings: Settings, started: Started | None = None) -> Settings:
    """URLs for every connection not configured; the data dir made absolute (embedded servers and child
    processes may run from another working directory)."""
    data_dir = settings.data_dir.absolute()
    started = started if started is not None else Started()
    redis_url = settings.redis_url or _local_or_embedded_redis(data_dir, started)
    database_url = settings.database_url or _local_or_embedded_postgres(data_dir, started)
    return settings.with_(redis_url=redis_url, database_url=database_url, data_dir=data_dir)


def _record(data_dir: Path) -> dict[str, int]:
    path = data_dir / "services.json"
    try:
        return {k: int(v) for k, v in json.loads(path.read_text()).items()}
    except (OSError, ValueError):
        return {}


def _save(data_dir: Path, **ports: int) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    record = _record(data_dir)
    record.update(ports)
    (data_dir / "services.json").write_text(json.dumps(record))


def _local_or_embedded_redis(data_dir: Path, started: Started) -> str:
    if answers(*DEFAULT_REDIS):
        return "redis://{}:{}/0".format(*DEFAULT_REDIS)
    port = _record(data_dir).get("redis")
    if port and answers("127.0.0.1", port):
        return f"redis://127.0.0.1:{port}/0"
    server = RedisServer(data_dir / "redis", port=free_port())
    server.start(daemon=True)
    started.redis.append(server)
    _save(data_dir, redis=server.port)
    log.info("started embedded redis-server on port %d", server.port)
    return server.url


def _local_or_embedded_postgres(data_dir: Path, started: Started) -> str:
    if answers(*DEFAULT_POSTGRES):
        base = "postgresql://postgres@{}:{}/postgres".format(*DEFAULT_POSTGRES)
    else:
        port = _record(data_dir).get("postgres")
        server = PostgresServer(data_dir / "postgres", port=port or free_port())
        if not server.running():
            server.start()
            started.postgres.append(server)
            log.info("started embedded PostgreSQL on port %d", server.port)
        _save(data_dir, postgres=server.port)
        base = server.url()
    asyncio.run(ensure_database(base, DATABASE))
    return with_database(base, DATABASE)


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


async def ensure_database(admin_url: str, database: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
