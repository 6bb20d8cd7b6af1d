"""Rebuilding a coupon batch's Redis state from PostgreSQL (part of ``livecore restore``).

From ``coupon_batches``, ``coupon_claims`` and the unreleased ``coupon_redemptions`` of a batch Redis no longer
holds: each claim (the claims hash, the claimer's idempotency record so a retried key gets its claim back,
the user's count and held set), each live redemption (the used hash, so a coupon is never applied twice),
then last, in one transaction, the batch hash with ``remaining`` = total minus persisted claims and the
claim and redemption counters past the highest persisted number. Until that last step the batch is missing
and claims answer ``unavailable``. Claims acknowledged but not yet persisted when Redis lost them are gone.
Run one restore at a time (a batch is checked once, then written).
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from redis.typing import EncodableT, FieldT

from ...idem import idem_id
from ...runtime import Runtime
from ..base import RestoreScope

CHUNK = 2000


@dataclass(slots=True)
class BatchRestore:
    batch: str
    room: str
    restored: bool
    claims: int = 0
    remaining: int = 0
    redeemed: int = 0

    def text(self) -> str:
        if not self.restored:
            return f"coupon batch {self.batch} in room {self.room}: present in Redis, left alone"
        return (f"coupon batch {self.batch} in room {self.room}: restored, {self.claims} claims, remaining "
                f"{self.remaining}, {self.redeemed} redeemed")

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _ms(at: datetime | None) -> int:
    return int(at.timestamp() * 1000) if at is not None else 0


def _n(ident: str, sep: str) -> int:
    tail = ident.rpartition(sep)[2]
    return int(tail) if tail.isdigit() else 0


async def restore(rt: Runtime, scope: RestoreScope) -> list[BatchRestore]:
    """The coupons' part of ``livecore restore`` (``Feature.restore``)."""
    return await restore_batches(rt, room=scope.room, batch=scope.only("coupons"))


async def restore_batches(rt: Runtime, *, room: str | None = None, batch: str | None = None) -> list[BatchRestore]:
    from .service import CouponService

    assert rt.db is not None
    now = int(rt.clock.now() * 1000)
    rows = await rt.db.fetch(
        """SELECT * FROM coupon_batches WHERE ($1::text IS NULL OR room_id = $1) AND ($2::text IS NULL OR id = $2)
           ORDER BY room_id, id""", room, batch)
    service = CouponService(rt)
    try:
        return [await _restore_batch(rt, service, row, now) for row in rows]
    finally:
        await service.close()


async def _restore_batch(rt: Runtime, svc: Any, row: Any, now: int) -> BatchRestore:
    room, bid = row["room_id"], row["id"]
    keys = svc._batch_keys(room, bid)
    starts, ends = _ms(row["starts_at"]), _ms(row["ends_at"])
    valid_for_ms = int(row["valid_for_s"] or 0) * 1000
    vuntil = _ms(row["valid_until"])
    last_use = max(ends, vuntil, ends + valid_for_ms)
    ttl_s = max(0, (last_use - now) // 1000) + 30 * 86400
    if await rt.redis.exists(keys["batch"]):
        return BatchRestore(bid, room, restored=False)
    db = rt.db
    assert db is not None
    claims = await db.fetch("""SELECT id, user_id, claim_key, claimed_at, valid_from, valid_until
                               FROM coupon_claims WHERE batch_id = $1 ORDER BY claimed_at""", bid)
    redemptions = await db.fetch("SELECT id, claim_id, order_id, discount, released_at FROM coupon_redemptions "
                                 "WHERE batch_id = $1", bid)
    per_user: Counter[str] = Counter()
    for i in range(0, len(claims), CHUNK):
        pipe = rt.redis.pipeline(transaction=False)
        for c in claims[i:i + CHUNK]:
            seq, user = _n(c["id"], "-"), c["user_id"]
            per_user[user] += 1
            record = {"user": user, "at": _ms(c["claimed_at"]), "vf": _ms(c["valid_from"]),
                      "vu": _ms(c["valid_until"]), "key": c["claim_key"]}
            pipe.hset(keys["claims"], str(seq), json.dumps(record))
            pipe.hset(keys["idem"], idem_id(user, c["claim_key"]), c["id"])
            held = svc._held_key(room, user)
            pipe.sadd(held, c["id"])
            pipe.expire(held, ttl_s)
        await pipe.execute()
    live = [r for r in redemptions if r["released_at"] is None]
    pipe = rt.redis.pipeline(transaction=False)
    for r in live:
        pipe.hset(keys["used"], str(_n(r["claim_id"], "-")), f"{r['order_id']}\n{r['id']}\n{int(r['discount'])}")
    if per_user:
        pipe.hset(keys["users"], mapping=cast("dict[FieldT, EncodableT]", dict(per_user)))
    for name in ("users", "idem", "claims", "used"):
        pipe.expire(keys[name], ttl_s)
    await pipe.execute()
    total = int(row["total"])
    fields: dict[str, str | int] = {
        "id": bid, "room": room, "title": row["title"], "kind": row["kind"], "amount": int(row["amount"]),
        "threshold": int(row["threshold"]), "percent": int(row["percent"]), "cap": int(row["cap"]),
        "total": total, "remaining": max(0, total - len(claims)), "per_user": int(row["per_user"]),
        "starts_at": starts, "ends_at": ends, "valid_from": _ms(row["valid_from"]), "valid_until": vuntil,
        "valid_for_ms": valid_for_ms, "status": row["status"],
        "seq": max((_n(c["id"], "-") for c in claims), default=0),
        "rseq": max((_n(r["id"], "#") for r in redemptions), default=0),
        "redeemed": len(live), "restored_at": now,
    }
    tx = rt.redis.pipeline(transaction=True)  # the batch hash last: claims answer again only from here on
    tx.hset(keys["batch"], mapping=cast("dict[FieldT, EncodableT]", fields))
    tx.expire(keys["batch"], ttl_s)
    tx.zadd(svc._index_key(room), {bid: _ms(row["created_at"])})
    tx.expire(svc._index_key(room), ttl_s)
    await tx.execute()
    await rt.redis.hset(svc._batch_room_key(), bid, room)
    await rt.redis.sadd(svc.rooms_key(), room)
    if row["status"] == "active" and now < ends:
        await svc.state.publish_now(room, f"coupon:{bid}", lambda: svc._state_value(room, bid))
    return BatchRestore(bid, room, restored=True, claims=len(claims), remaining=int(fields["remaining"]),
                        redeemed=len(live))
