"""The handler of the ``polls-persist`` outbox worker: a batch of the room's ``polls`` stream -> PostgreSQL.

Idempotent, so a batch redelivered after a crash (or reclaimed from a dead consumer) changes nothing: a vote
is one row per (poll, user) that only a higher revision replaces (a change arriving before the first vote
keeps the change); a close sets the poll's final figures (set, never added).
"""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec


def _f(fields: dict[bytes, bytes], name: str) -> str:
    return fields[name.encode()].decode()


def _ts(millis: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(millis / 1000, dt.UTC)


async def persist_polls(conn: asyncpg.Connection, entries: list[tuple[str, dict[bytes, bytes]]]) -> None:
    votes: dict[tuple[str, str], tuple[str, str, list[str], int, dt.datetime]] = {}
    closes = []
    for _entry_id, fields in entries:
        kind = _f(fields, "k")
        if kind == "vote":
            poll, user, rev = _f(fields, "poll"), _f(fields, "user"), int(_f(fields, "rev"))
            seen = votes.get((poll, user))
            if seen is None or seen[3] < rev:  # one row per (poll, user) in a statement
                votes[(poll, user)] = (poll, user, _f(fields, "options").split(","), rev,
                                       _ts(int(_f(fields, "at"))))
        elif kind == "close":
            closes.append((_f(fields, "poll"), msgspec.json.decode(fields[b"result"]), int(_f(fields, "at"))))
        else:
            raise ValueError(f"unknown polls-stream entry kind {kind!r}")
    if votes:
        await conn.executemany(
            """INSERT INTO poll_votes (poll_id, user_id, options, rev, voted_at) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (poll_id, user_id) DO UPDATE SET options = EXCLUDED.options, rev = EXCLUDED.rev,
                   voted_at = EXCLUDED.voted_at
               WHERE poll_votes.rev < EXCLUDED.rev""", list(votes.values()))
    for poll, result, at in closes:
        # the poll row was written before any vote could exist: a missing one fails the entry (retried, then
        # dead-lettered), never dropped silently
        done = await conn.execute(
            """UPDATE polls SET status = 'closed', closed_at = $2, voters = $3, correct_voters = $4, winners = $5
               WHERE id = $1""", poll, _ts(at), result["voters"], result.get("correct_voters"),
            result.get("winners"))
        if done != "UPDATE 1":
            raise LookupError(f"poll {poll} has no database row")
        await conn.executemany("UPDATE poll_options SET votes = $3 WHERE poll_id = $1 AND option_id = $2",
                               [(poll, option, n) for option, n in result["tallies"].items()])
