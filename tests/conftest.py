"""Shared fixtures. Every test gets its own Redis key prefix and, when it asks for the database, its own
PostgreSQL schema with all migrations applied. Destructive tests start their own servers on free ports."""

from __future__ import annotations

import asyncio
import gc
import inspect
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from livecore.api.app import build_app
from livecore.config import Settings
from livecore.runtime import Runtime, drop_keys, open_runtime, redis_client
from livecore.secrets_check import with_run_secrets
from livecore.services.discover import resolve
from livecore.services.postgres_server import PostgresServer
from livecore.services.redis_server import LocalCluster, RedisServer
from livecore.storage.db import connect, create_pool, drop_schema
from livecore.storage.migrate import migrate
from roomhelp import TEST_ROOMS, create_rooms

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("LIVECORE_TEST_ARTIFACTS", ROOT / "test-artifacts"))


@pytest.fixture(scope="session")
def base_settings() -> Iterator[Settings]:
    """Redis and PostgreSQL as configured, else on the default ports, else embedded.

    With ``LIVECORE_TEST_REDIS_CLUSTER=1`` the session's Redis is a private one-node Redis Cluster instead
    (``RedisServer(cluster=True)``), which refuses any script, transaction or command whose keys span hash
    slots: the suite then proves that livecore keeps every command to one slot. With ``=N`` (N > 1) it is a
    private cluster of N primaries (``LocalCluster``) and livecore talks to it with its cluster client."""
    env = {k: v for k, v in os.environ.items() if k.startswith("LIVECORE_")}
    # random secrets of this session (processes refuse the development secret outside demo mode)
    settings = with_run_secrets(resolve(Settings.from_env(env, data_dir=ROOT / ".livecore")))
    nodes = int(os.environ.get("LIVECORE_TEST_REDIS_CLUSTER", "") or 0)
    if nodes <= 0:
        yield settings
        return
    folder = Path(tempfile.mkdtemp(prefix="livecore-cluster-"))
    server = RedisServer(folder, cluster=True) if nodes == 1 else LocalCluster(folder, nodes)
    server.start()
    try:
        yield settings.with_(redis_url=server.url, redis_cluster=nodes > 1)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
async def rooms(redis: Redis, settings: Settings) -> tuple[str, ...]:
    """The suite's test rooms, created (see ``TEST_ROOMS``)."""
    await create_rooms(redis, settings, *TEST_ROOMS)
    return TEST_ROOMS


@pytest.fixture
async def api(settings: Settings, migrated: str, redis: Redis) -> AsyncIterator[httpx.AsyncClient]:
    """The API app in process (its lifespan run), reached through httpx's ASGI transport."""
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as c:
            yield c


@pytest.fixture
def prefix() -> str:
    return "t" + uuid.uuid4().hex[:10]


@pytest.fixture
def schema(prefix: str) -> str:
    return prefix


@pytest.fixture
def settings(base_settings: Settings, prefix: str, schema: str) -> Settings:
    return base_settings.with_(key_prefix=prefix, database_schema=schema)


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = redis_client(settings.redis_url, cluster=settings.redis_cluster)
    try:
        yield client
    finally:
        try:
            await drop_keys(client, settings.key_prefix)
        finally:
            await client.aclose()


@pytest.fixture
async def migrated(settings: Settings) -> AsyncIterator[str]:
    """A fresh schema with every migration applied; dropped afterwards. Yields the schema name."""
    conn = await connect(settings.database_url)
    try:
        await migrate(conn, settings.database_schema)
    finally:
        await conn.close()
    try:
        yield settings.database_schema
    finally:
        await drop_schema(settings.database_url, settings.database_schema)


@pytest.fixture
async def db(settings: Settings, migrated: str):  # type: ignore[no-untyped-def]
    pool = await create_pool(settings.database_url, settings.database_schema)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
async def runtime(settings: Settings, migrated: str, redis: Redis) -> AsyncIterator[Runtime]:
    async with open_runtime(settings) as rt:
        yield rt


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private redis-server on a free port, for tests that restart or kill Redis."""
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server_dir() -> Iterator[Path]:
    """A data folder an unprivileged server user can reach (pytest's own temp root is private to root and
    is re-locked whenever another pytest session starts)."""
    path = Path(tempfile.mkdtemp(prefix="livecore-srv-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def pg_server(server_dir: Path) -> Iterator[PostgresServer]:
    """A private PostgreSQL on a free port, for tests that stop the database."""
    server = PostgresServer(server_dir / "pg").start()
    try:
        yield server
    finally:
        server.stop(mode="immediate")


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\ntest artifacts: {ARTIFACTS}")
    return ARTIFACTS


# -- fail a test whose event loop logged an unhandled error (as asyncpg's suite does) --------------------
@pytest.fixture
async def _loop_guard() -> AsyncIterator[None]:
    loop = asyncio.get_running_loop()
    errors: list[dict[str, object]] = []
    previous = loop.get_exception_handler()

    def handler(lp: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        errors.append(context)
        lp.default_exception_handler(context)

    loop.set_exception_handler(handler)
    yield
    gc.collect()  # a client this test left unclosed is reported now, against this test, not in a later one
    loop.set_exception_handler(previous)
    if errors:
        pytest.fail(f"the event loop logged unhandled errors: {[c.get('message') for c in errors]}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fn = getattr(item, "function", None)
        if fn is not None and inspect.iscoroutinefunction(fn) and "_loop_guard" not in item.fixturenames:
            item.fixturenames.insert(0, "_loop_guard")  # type: ignore[attr-defined]
