"""Putting the open polls Redis lost back from PostgreSQL (the polls' part of ``livecore restore``).

PostgreSQL holds each poll as opened (question, options, window, condition, a quiz's correct option, reward and
draw seed), each voter's last persisted vote (``poll_votes``: one row per user, with its revision), the host's
close in the audit log, and the result once the ``polls-persist`` worker wrote the close. For each poll
PostgreSQL still holds open that Redis no longer holds:

1. the votes (user -> revision and options) and the tallies recounted from them (each option, and the voters),
   so nobody who voted votes again, and a vote changes at most once as allowed;
2. last, in one script (``polls_restore.lua``), the poll hash (closed at the recorded time when the host's close
   is in the audit log), its seed, and the room's open pointer when it is free;
3. the timer's entry at ``ends_at`` (or at once, for a poll already closed): the timer closes it, publishes the
   final result once, persists it, and grants a quiz's coupons under the same idempotency key as before
   (``quiz-<poll>``): the coupon batches are restored first (registry order), so a voter granted one before
   the loss gets that claim back, never a second coupon.

Votes, and changes of vote, acknowledged but not yet persisted when Redis lost its data cannot come back: those
viewers may vote (or change) again, and the tallies count only what PostgreSQL holds. A close whose result
was not persisted is decided again from the restored votes, so the room is told its result once more after the
loss (a quiz's draw recomputed from the restored correct voters; the result's ``entries_digest`` names them).
A poll whose close PostgreSQL holds is its record already; nothing of it is restored.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from typing import Any, cast

import msgspec
from redis.typing import EncodableT, FieldT

from ... import replies
from ...commerce.state_publish import ms
from ...runtime import Runtime
from ..base import RestoreScope
from ..restoring import restore_open
from .service import PollService

CHUNK = 2000
KEEP_S = 7 * 86400  # as polls_open: the keys outlive the window by this much


@dataclass(slots=True)
class PollRestore:
    poll: str
    room: str
    restored: bool
    voters: int = 0  # persisted votes put back
    tallies: dict[str, int] = dataclasses.field(default_factory=dict)
    closed: bool = False  # the host's close was on record: the timer finishes it
    due: bool = False  # its window had ended: the timer closes it now
    why: str = ""

    def text(self) -> str:
        if not self.restored:
            return f"poll {self.poll} in room {self.room}: left alone ({self.why})"
        counts = ", ".join(f"{o} {n}" for o, n in self.tallies.items())
        then = "; the timer closes it and publishes its result" if self.closed or self.due else ""
        note = f" ({self.why})" if self.why else ""
        return f"poll {self.poll} in room {self.room}: restored, {self.voters} persisted votes ({counts}){then}{note}"

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


async def restore(rt: Runtime, scope: RestoreScope) -> list[PollRestore]:
    """Every open poll of PostgreSQL (in ``scope``) that Redis does not hold (``Feature.restore``)."""
    return await restore_open(rt, table="polls", order="opened_at", room=scope.room, ident=scope.only("polls"),
                              service=PollService, one=_restore_poll)


async def _restore_poll(rt: Runtime, svc: PollService, row: Any) -> PollRestore:
    room, poll = row["room_id"], row["id"]
    pk = svc.pk
    if await rt.redis.exists(pk.poll(room, poll)):
        return PollRestore(poll, room, restored=False, why="present in Redis")
    db = rt.db
    assert db is not None
    options = await db.fetch("SELECT option_id, text FROM poll_options WHERE poll_id = $1 ORDER BY position", poll)
    votes = await db.fetch("SELECT user_id, options, rev FROM poll_votes WHERE poll_id = $1", poll)
    closes = await db.fetch("""SELECT at FROM audit_log WHERE room_id = $1 AND action = 'poll.close'
                               AND detail->>'poll' = $2 ORDER BY at LIMIT 1""", room, poll)
    now = svc.now_ms()
    opened, ends = ms(row["opened_at"].timestamp()), ms(row["ends_at"].timestamp())
    ttl_s = max(0, (ends - now) // 1000) + KEEP_S
    ids = [o["option_id"] for o in options]
    tally: Counter[str] = Counter({o: 0 for o in ids})
    for i in range(0, len(votes), CHUNK):
        pipe = rt.redis.pipeline(transaction=False)
        for v in votes[i:i + CHUNK]:
            chosen = sorted(v["options"])
            tally.update(chosen)
            pipe.hset(pk.votes(room, poll), v["user_id"], f"{int(v['rev'])}|{','.join(chosen)}")
        await pipe.execute()
    counts = {o: tally[o] for o in ids}
    pipe = rt.redis.pipeline(transaction=False)
    pipe.hset(pk.tally(room, poll), mapping=cast("dict[FieldT, EncodableT]", {**counts, "_voters": len(votes)}))
    pipe.expire(pk.tally(room, poll), ttl_s)
    pipe.expire(pk.votes(room, poll), ttl_s)
    await pipe.execute()
    fields: dict[str, str | int] = {
        "id": poll, "room": room, "question": row["question"],
        "options": msgspec.json.encode([{"id": o["option_id"], "text": o["text"]} for o in options]).decode(),
        "opts": ",".join(ids), "mode": row["mode"], "changeable": int(row["changeable"]),
        "condition": row["condition"], "watch_ms": int(row["watch_s"]) * 1000 if row["condition"] == "watch" else 0,
        "opened_at": opened, "ends_at": ends, "status": "open", "correct": row["correct"] or "",
        "reward": row["reward"], "coupon": row["coupon_batch"] if row["reward"] == "coupon" else "",
        "winners_count": int(row["winners_count"]), "seed_hash": row["seed_hash"], "restored_at": now,
    }
    closed = bool(closes)
    if closed:  # the host closed it: it stays closed (at the recorded time, within its window)
        fields.update(status="closed", closed_at=min(ends, max(opened, ms(closes[0]["at"].timestamp()))))
    args: list[Any] = [poll, ttl_s, row["seed"] or "", "1" if not closed and now < ends else "0"]
    for name, value in fields.items():
        args += [name, value]
    res = await rt.scripts.call("polls_restore", keys=[pk.poll(room, poll), pk.pointer(room), pk.seed(room, poll)],
                                args=args)
    if replies.text(res[0]) != "ok":
        return PollRestore(poll, room, restored=False, why="present in Redis")
    other = replies.text(res[2])
    why = f"poll {other} holds the room's open pointer" if other and not closed and now < ends else ""
    await rt.redis.sadd(pk.rooms(), room)
    await rt.redis.zadd(pk.due(), {f"{room}:{poll}": now if closed else ends})
    if not closed and now < ends:
        await svc.state.publish_now(room, "poll", lambda: svc._state_value(room, poll))
    return PollRestore(poll, room, restored=True, voters=len(votes), tallies=counts, closed=closed,
                       due=now >= ends, why=why)
