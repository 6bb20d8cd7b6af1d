"""PostgreSQL access: pool, migrations, repositories."""
