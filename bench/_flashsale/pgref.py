"""The PostgreSQL-only reference: the same storm decided by one hot row in PostgreSQL.

The best PostgreSQL-only design of the decision is a conditional decrement, ``UPDATE ... SET stock = stock - 1
WHERE id = $1 AND stock >= 1`` (one statement, no read-modify-write). It is driven like the WebSocket path:
as many client tasks as buyers, each sending its next attempt when the previous one is answered, through a
connection pool sized like a real deployment (``--pg-pool`` connections in all, split over the processes).
Nothing else is written (no order row, no idempotency record), which favours PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from .stats import Tally

DECREMENT = "UPDATE bench_stock SET stock = stock - 1 WHERE id = $1 AND stock >= 1 RETURNING stock"


async def prepare(conn: Any, stock: int) -> None:
    await conn.execute("DROP TABLE IF EXISTS bench_stock")
    await conn.execute("CREATE TABLE bench_stock (id integer PRIMARY KEY, stock integer NOT NULL)")
    await conn.execute("INSERT INTO bench_stock VALUES (1, $1)", stock)


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    """A child process: open the pool, say READY, wait for ``GO <epoch>``, run the clients, report."""
    import asyncpg

    loop = asyncio.get_running_loop()
    size = spec["pool"]
    pool = await asyncpg.create_pool(spec["dsn"], min_size=size, max_size=size,
                                     server_settings={"search_path": spec["schema"]})
    tally = Tally(epoch=0.0)
    try:
        print(f"READY {size} 0", flush=True)
        line = await loop.run_in_executor(None, sys.stdin.readline)
        tally.epoch = float(line.split()[1])
        while time.time() < tally.epoch:
            await asyncio.sleep(min(0.01, tally.epoch - time.time()))
        tally.first_sent = time.time()

        async def client(n: int) -> None:
            for _ in range(n):
                t = time.perf_counter()
                async with pool.acquire() as conn:
                    left = await conn.fetchval(DECREMENT, 1)
                tally.done(time.time(), time.perf_counter() - t, "ok" if left is not None else "sold_out")

        await asyncio.gather(*(client(n) for n in spec["attempts"]))
    finally:
        await pool.close()
    out = tally.to_json()
    out.update({"pool": size, "clients": len(spec["attempts"])})
    return out
