import asyncpg
import pytest

from livecore.storage.db import connect
from livecore.storage.migrate import Migration, MigrationError, discover, migrate


def test_migration_files_are_numbered_and_unique() -> None:
    found = discover()
    assert found and [m.version for m in found] == sorted({m.version for m in found})


async def test_applies_once_and_refuses_edited_files(settings) -> None:  # type: ignore[no-untyped-def]
    schema = settings.database_schema + "_m"
    conn = await connect(settings.database_url)
    try:
        ms = [Migration(1, "a", "CREATE TABLE t (x int);"), Migration(2, "b", "ALTER TABLE t ADD y int;")]
        assert [m.version for m in await migrate(conn, schema, ms)] == [1, 2]
        assert await migrate(conn, schema, ms) == []
        edited = [ms[0], Migration(2, "b", "ALTER TABLE t ADD z int;")]
        with pytest.raises(MigrationError, match="edited"):
            await migrate(conn, schema, edited)
        broken = [*ms, Migration(3, "c", "CREATE TABLE nope (;")]
        with pytest.raises(asyncpg.PostgresSyntaxError):
            await migrate(conn, schema, broken)
        count = await conn.fetchval(f'SELECT count(*) FROM "{schema}".schema_migrations')
        assert count == 2  # the failed file left nothing behind
    finally:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()


async def test_real_migrations_apply(db) -> None:  # type: ignore[no-untyped-def]
    tables = {r["table_name"] for r in await db.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}
    assert {"rooms", "products", "audit_log", "schema_migrations"} <= tables
