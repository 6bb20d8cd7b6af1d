"""The wallet ledger in PostgreSQL: movements inserted once (unique ``ref``), balances changed by exactly the
movements inserted, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True, slots=True)
class Movement:
    ref: str  # <packet>#<index> | <packet>#fund | <packet>#leftover
    user: str
    delta: int  # cents; negative for a host's budget paying a packet
    kind: str  # grab | fund | leftover
    packet: str
    index: int | None = None
    key: str = ""
    at: dt.datetime | None = None


async def post(conn: asyncpg.Connection, movements: list[Movement]) -> int:
    """Insert the movements not recorded yet and add exactly those to the wallets' balances; returns how many
    were new. Run it inside a transaction: the rows and the balances commit together or not at all."""
    if not movements:
        return 0
    now = dt.datetime.now(dt.UTC)
    inserted = await conn.fetch(
        """INSERT INTO wallet_ledger (ref, user_id, delta, kind, red_packet_id, packet_index, grab_key, at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::int[],
                                $7::text[], $8::timestamptz[])
           ON CONFLICT DO NOTHING
           RETURNING user_id, delta""",
        [m.ref for m in movements], [m.user for m in movements], [m.delta for m in movements],
        [m.kind for m in movements], [m.packet for m in movements], [m.index for m in movements],
        [m.key for m in movements], [m.at or now for m in movements])
    sums: dict[str, int] = defaultdict(int)
    for row in inserted:
        sums[row["user_id"]] += row["delta"]
    users = sorted(sums)  # one lock order for every writer: two batches never deadlock on wallets
    if users:
        await conn.execute(
            """INSERT INTO wallets (user_id, balance) SELECT * FROM unnest($1::text[], $2::bigint[])
               ON CONFLICT (user_id) DO UPDATE SET balance = wallets.balance + EXCLUDED.balance, updated_at = now()""",
            users, [sums[u] for u in users])
    return len(inserted)


async def balance(conn: asyncpg.Connection | asyncpg.Pool, user: str) -> int:
    value = await conn.fetchval("SELECT balance FROM wallets WHERE user_id = $1", user)
    return int(value or 0)
