"""asyncpg pools bound to one schema (``search_path``), so tests and deployments can share a server."""

from __future__ import annotations

import json
from typing import Any

import asyncpg


async def _init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


def server_settings(schema: str) -> dict[str, str]:
    return {"search_path": f'"{schema}"', "application_name": "livecore"}


async def create_pool(url: str, schema: str = "public", *, min_size: int = 1, max_size: int = 10,
                      **kwargs: Any) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size, init=_init_connection,
                                     server_settings=server_settings(schema), **kwargs)
    assert pool is not None
    return pool


async def drop_schema(url: str, schema: str) -> None:
    """Remove a schema and everything in it (a test's or a benchmark's own)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def connect(url: str, schema: str = "public") -> asyncpg.Connection:
    conn = await asyncpg.connect(url, server_settings=server_settings(schema))
    await _init_connection(conn)
    return conn
