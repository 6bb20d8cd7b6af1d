"""Putting an open lottery Redis lost back from PostgreSQL (part of ``livecore restore``).

An open lottery is reopened in Redis with the definition and the secret seed PostgreSQL recorded when it was
opened (so its published seed hash still holds and the draw stays verifiable), with the entries PostgreSQL
holds, if any, and back on the draw timer. Entries made since the opening live only in Redis until the draw:
those are gone with Redis, and viewers enter again (an entry is per user, so nobody enters twice). Drawn and
cancelled lotteries are PostgreSQL's record already; nothing of them is needed to decide anything.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ... import replies
from ...runtime import Runtime
from ..base import RestoreScope
from ..restoring import restore_open


@dataclass(slots=True)
class LotteryRestore:
    lottery: str
    room: str
    restored: bool
    entries: int = 0
    why: str = ""

    def text(self) -> str:
        if not self.restored:
            return f"lottery {self.lottery} in room {self.room}: left alone ({self.why})"
        return f"lottery {self.lottery} in room {self.room}: reopened with {self.entries} persisted entries"

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


async def restore(rt: Runtime, scope: RestoreScope) -> list[LotteryRestore]:
    """The lotteries' part of ``livecore restore`` (``Feature.restore``)."""
    return await restore_lotteries(rt, room=scope.room, lottery=scope.only("lottery"))


async def restore_lotteries(rt: Runtime, *, room: str | None = None,
                            lottery: str | None = None) -> list[LotteryRestore]:
    from .service import LotteryService

    return await restore_open(rt, table="lotteries", order="opened_at", room=room, ident=lottery,
                              service=LotteryService, one=_reopen)


async def _reopen(rt: Runtime, svc: Any, row: Any) -> LotteryRestore:
    room, lid = row["room_id"], row["id"]
    if await rt.redis.exists(svc._hash(room, lid)):
        return LotteryRestore(lid, room, restored=False, why="present in Redis")
    now = int(rt.clock.now() * 1000)
    ends = _ms(row["ends_at"])
    fields = {"id": lid, "room": room, "prize": row["prize"], "winners_count": int(row["winners_count"]),
              "condition": row["condition"], "keyword": row["keyword"], "watch_s": int(row["watch_s"]),
              "opened_at": _ms(row["opened_at"]), "ends_at": ends, "seed_hash": row["seed_hash"], "status": "open",
              "restored_at": now}
    ttl_s = max(0, (ends - now) // 1000) + 7 * 86400
    args: list[Any] = [lid, row["seed"], ttl_s]
    for key, value in fields.items():
        args += [key, value]
    res = await rt.scripts.call("lottery_open", keys=[svc._hash(room, lid), svc._seed_key(room, lid),
                                                      svc._pointer(room)], args=args)
    if replies.text(res[0]) != "ok":
        return LotteryRestore(lid, room, restored=False, why=" ".join(replies.text(r) for r in res[1:]))
    entries = await rt.db.fetch("SELECT user_id FROM lottery_entries WHERE lottery_id = $1",  # type: ignore[union-attr]
                                lid)
    if entries:
        key = svc._entries_key(room, lid)
        await rt.redis.zadd(key, {e["user_id"]: fields["opened_at"] for e in entries})
        await rt.redis.expire(key, ttl_s)
    await rt.redis.zadd(svc._due_key(), {f"{room}:{lid}": ends})
    await svc.state.publish_now(room, "lottery", lambda: svc._state_value(room, lid))
    return LotteryRestore(lid, room, restored=True, entries=len(entries))
