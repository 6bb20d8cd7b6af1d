"""Time-limited coupons (限时优惠券): batches, claims, redemption at payment, release on cancellation.

* A **batch** is created by the host: kind and terms (``livecore.core.coupon_math``), ``total``,
  ``per_user``, a claim window ``[starts_at, ends_at)`` and a validity period. The validity of each claim is
  ``[max(claimed_at, valid_from), min(valid_until, claimed_at + valid_for_s))`` where either bound may be
  unset (but at least one end must be given): an absolute period, a lifetime after the claim, or both.
  The batch is a PostgreSQL row (system of record, written first) and a Redis hash (the hot state).
* A **claim** is decided by ``coupon_claim.lua`` (window, per-user limit, idempotency key, remaining count)
  and appended to the room's ``claims`` stream, which the ``claims`` worker persists to ``coupon_claims``.
  A retry with the same idempotency key returns the first claim; refused attempts write nothing.
* A **redemption** (``redeem``) applies a claim the user chooses to an order: the discount comes from the
  batch's terms (pure math here), ``coupon_redeem.lua`` decides owner / validity / not used atomically and
  records it; ``release(order_id)`` gives it back exactly once (``coupon_release.lua``). Both go through the
  same stream to ``coupon_redemptions``. Which claim an order used is kept in a per-order hint key (with a
  TTL) so that ``release`` needs only the order id; the scripts, not that hint, are the authority.

Claim ids are ``<batch>-<n>``; batch ids are generated (``cb`` + hex) and mapped to their room in a global
hash, so a claim id alone finds its keys. Times are epoch milliseconds (API, events, Redis); durations are
named ``*_s`` and are seconds; money is integer cents.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any, cast

import asyncpg
import msgspec
from redis.typing import EncodableT, FieldT

from ... import replies
from ...commerce.ids import room_of
from ...commerce.state_publish import StatePublisher, ms
from ...core.coupon_math import CouponKind, CouponTerms, HeldCoupon, Offer, batch_status, discount, offers
from ...core.outcome import Refusal, RefusedError, Subject, code_of, refusal
from ...idem import idem_id
from ...protocol.codes import ErrorCode
from ...protocol.events import CouponEvent
from ...protocol.ids import PROMO_ID as _ID
from ...protocol.ids import valid_room_id
from ...protocol.limits import Coupons, CouponValue, DurationS, EpochMs, Percent, PerUser
from ...runtime import Runtime
from ...storage.audit import audit

log = logging.getLogger(__name__)

_HINT_TTL_S = 90 * 86400  # longer than any payment window or refund period

class CouponBatchIn(msgspec.Struct, forbid_unknown_fields=True):
    """A batch as the host asks for it (also the JSON body of ``POST /api/rooms/{room}/coupons``)."""

    kind: str
    total: Coupons
    per_user: PerUser = 1
    amount: CouponValue = 0
    threshold: CouponValue = 0
    percent: Percent = 0
    cap: CouponValue = 0
    title: str = ""
    starts_at: EpochMs | None = None  # epoch ms; default now
    ends_at: EpochMs | None = None  # epoch ms (exclusive); or duration_s after starts_at
    duration_s: DurationS = 0
    valid_from: EpochMs | None = None  # epoch ms
    valid_until: EpochMs | None = None  # epoch ms (exclusive)
    valid_for_s: DurationS = 0  # each claim valid this many seconds after it was made


def _ts(millis: int) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(millis / 1000, dt.UTC) if millis else None


def _terms(h: dict[str, str]) -> CouponTerms:
    return CouponTerms(CouponKind(h["kind"]), amount=int(h["amount"]), threshold=int(h["threshold"]),
                       percent=int(h["percent"]), cap=int(h["cap"]))


def _public(h: dict[str, str], now_ms: int) -> dict[str, Any]:
    """The batch as the room and the console see it (no internal counters), with its status as of ``now_ms``."""
    status = batch_status(h["status"], now_ms, ends_at=int(h["ends_at"]), remaining=int(h["remaining"]),
                          valid_until=int(h["valid_until"]), valid_for_ms=int(h["valid_for_ms"]))
    return {
        "id": h["id"], "room": h["room"], "title": h.get("title", ""), "kind": h["kind"],
        "amount": int(h["amount"]), "threshold": int(h["threshold"]), "percent": int(h["percent"]),
        "cap": int(h["cap"]), "total": int(h["total"]), "remaining": int(h["remaining"]),
        "per_user": int(h["per_user"]), "starts_at": int(h["starts_at"]), "ends_at": int(h["ends_at"]),
        "valid_from": int(h["valid_from"]) or None, "valid_until": int(h["valid_until"]) or None,
        "valid_for_s": int(h["valid_for_ms"]) // 1000, "status": status,
        "redeemed": int(h.get("redeemed", 0)),
    }


class CouponService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.k = rt.keys
        self.state = StatePublisher(rt)
        self._terms: dict[str, CouponTerms] = {}  # batch -> terms (immutable once created)
        self._rooms: dict[str, str] = {}  # batch -> room (immutable)

    # -- keys -----------------------------------------------------------------------------------------
    def _batch_keys(self, room: str, batch: str) -> dict[str, str]:
        base = ("coupon", batch)
        return {"batch": self.k.room(room, *base), "users": self.k.room(room, *base, "users"),
                "idem": self.k.room(room, *base, "idem"), "claims": self.k.room(room, *base, "claims"),
                "used": self.k.room(room, *base, "used")}

    def _held_key(self, room: str, user: str) -> str:
        return self.k.room(room, "coupons", "held", user)

    def _index_key(self, room: str) -> str:
        return self.k.room(room, "coupons", "batches")

    def stream(self, room: str) -> str:
        """The room's claims outbox (claims, redemptions and releases)."""
        return self.k.room(room, "claims")

    def rooms_key(self) -> str:
        """Global set of rooms that have a claims stream, for the claims worker to discover."""
        return self.k.global_key("claims", "rooms")

    def _batch_room_key(self) -> str:
        return self.k.global_key("coupon", "batch_room")

    def _order_key(self, order_id: str) -> str:
        """Which claim an order redeemed last: a hint with a TTL, never the authority (the scripts are)."""
        return self.k.global_key("coupon", "order", order_id)

    def now_ms(self) -> int:
        return ms(self.rt.clock.now())

    # -- batches --------------------------------------------------------------------------------------
    async def create_batch(self, room: str, spec: CouponBatchIn, actor: str) -> dict[str, Any]:
        """Create and announce a batch; raises ``RefusedError`` (``invalid``) with the reasons."""
        now = self.now_ms()
        problems = self._problems(room, spec)
        if problems:
            raise RefusedError(ErrorCode.INVALID, "; ".join(problems))
        starts = spec.starts_at if spec.starts_at is not None else now
        ends = spec.ends_at if spec.ends_at is not None else starts + spec.duration_s * 1000
        vfrom = spec.valid_from or 0
        vuntil = spec.valid_until or 0
        if ends <= starts:
            raise RefusedError(ErrorCode.INVALID, "the claim window must end after it starts")
        if vuntil and vuntil <= max(starts, vfrom):
            raise RefusedError(ErrorCode.INVALID, "valid_until must be after the claim window opens and valid_from")
        batch = "cb" + secrets.token_hex(6)
        fields: dict[str, str | int] = {
            "id": batch, "room": room, "title": spec.title, "kind": spec.kind, "amount": spec.amount,
            "threshold": spec.threshold, "percent": spec.percent, "cap": spec.cap, "total": spec.total,
            "remaining": spec.total, "per_user": spec.per_user, "starts_at": starts, "ends_at": ends,
            "valid_from": vfrom, "valid_until": vuntil, "valid_for_ms": spec.valid_for_s * 1000,
            "status": "active", "seq": 0, "rseq": 0, "redeemed": 0,
        }
        last_use = max(ends, vuntil, ends + spec.valid_for_s * 1000)
        ttl_s = max(0, (last_use - now) // 1000) + 30 * 86400
        assert self.rt.db is not None, "coupons need the database"
        async with self.rt.db.acquire() as conn, conn.transaction():
            await conn.execute(
                """INSERT INTO coupon_batches (id, room_id, title, kind, amount, threshold, percent, cap, total,
                       per_user, starts_at, ends_at, valid_from, valid_until, valid_for_s, created_by)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)""",
                batch, room, spec.title, spec.kind, spec.amount, spec.threshold, spec.percent, spec.cap,
                spec.total, spec.per_user, _ts(starts), _ts(ends), _ts(vfrom), _ts(vuntil),
                spec.valid_for_s or None, actor)
            await audit(conn, room, actor, "coupon.create", {"batch": batch, **msgspec.to_builtins(spec)})
        keys = self._batch_keys(room, batch)
        pipe = self.rt.redis.pipeline(transaction=True)
        pipe.hset(keys["batch"], mapping=cast("dict[FieldT, EncodableT]", fields))  # key type is invariant
        pipe.expire(keys["batch"], ttl_s)
        pipe.zadd(self._index_key(room), {batch: now})
        pipe.expire(self._index_key(room), ttl_s)
        await pipe.execute()
        await self.rt.redis.hset(self._batch_room_key(), batch, room)
        await self.rt.redis.sadd(self.rooms_key(), room)
        public = _public({k: str(v) for k, v in fields.items()}, now)
        await self.rt.bus.publish_reliable(room, CouponEvent(ts=now, batch=batch, phase="issued", data=public))
        await self.state.publish_now(room, f"coupon:{batch}", lambda: self._state_value(room, batch))
        await self._retire_closed(room)
        return public

    @staticmethod
    def _problems(room: str, spec: CouponBatchIn) -> list[str]:
        out: list[str] = []
        if not valid_room_id(room):
            out.append("invalid room id")
        if spec.kind not in {k.value for k in CouponKind}:
            return [*out, f"kind must be one of {', '.join(k.value for k in CouponKind)}"]
        out += CouponTerms(CouponKind(spec.kind), spec.amount, spec.threshold, spec.percent, spec.cap).problems()
        if spec.total <= 0 or spec.total > 10_000_000:
            out.append("total must be between 1 and 10000000")
        if spec.per_user <= 0:
            out.append("per_user must be at least 1")
        if spec.ends_at is None and spec.duration_s <= 0:
            out.append("give ends_at or duration_s for the claim window")
        if spec.valid_until is None and spec.valid_for_s <= 0:
            out.append("give valid_until or valid_for_s: a coupon must expire")
        if spec.valid_for_s < 0 or spec.duration_s < 0:
            out.append("durations must not be negative")
        if len(spec.title) > 100:
            out.append("title too long")
        return out

    async def _retire_closed(self, room: str) -> int:
        """Remove from the room state the batches whose claim window closed more than ``state_grace_s`` ago.
        Run when a batch is created, so the state holds the open and recently closed batches, not every batch
        the room ever had (claims are refused after the window, so nothing publishes them again)."""
        names = map(replies.text, await self.rt.redis.hkeys(self.k.room_state(room)))
        fields = [f for f in names if f.startswith("coupon:")]
        cutoff = self.now_ms() - self.rt.settings.state_grace_s * 1000
        gone: dict[str, None] = {}
        for field in fields:
            b = await self.batch(room, field.removeprefix("coupon:"))
            if b is None or b["ends_at"] <= cutoff:
                gone[field] = None
        await self.rt.bus.set_state(room, gone)
        return len(gone)

    async def end_batch(self, room: str, batch: str, actor: str) -> bool:
        """Close the claim window early; claimed coupons stay valid. False when unknown or already ended."""
        keys = self._batch_keys(room, batch)
        if not _ID.match(batch) or await self.rt.redis.hget(keys["batch"], "status") != b"active":
            return False
        await self.rt.redis.hset(keys["batch"], "status", "ended")
        assert self.rt.db is not None
        async with self.rt.db.acquire() as conn, conn.transaction():
            await conn.execute("UPDATE coupon_batches SET status = 'ended' WHERE id = $1", batch)
            await audit(conn, room, actor, "coupon.end", {"batch": batch})
        await self.rt.bus.publish_reliable(room, CouponEvent(ts=self.now_ms(), batch=batch, phase="ended"))
        await self.state.publish_now(room, f"coupon:{batch}", lambda: self._state_value(room, batch))
        return True

    async def batch(self, room: str, batch: str) -> dict[str, Any] | None:
        if not _ID.match(batch):
            return None
        raw = await self.rt.redis.hgetall(self._batch_keys(room, batch)["batch"])
        return _public({replies.text(k): replies.text(v) for k, v in raw.items()}, self.now_ms()) if raw else None

    async def batches(self, room: str) -> list[dict[str, Any]]:
        """The room's batches, newest first."""
        ids = [replies.text(b) for b in replies.members(await self.rt.redis.zrevrange(self._index_key(room), 0, -1))]
        pipe = self.rt.redis.pipeline(transaction=False)
        for b in ids:
            pipe.hgetall(self._batch_keys(room, b)["batch"])
        out = []
        now = self.now_ms()
        for raw in await pipe.execute():
            if raw:
                out.append(_public({replies.text(k): replies.text(v) for k, v in raw.items()}, now))
        return out

    async def _state_value(self, room: str, batch: str) -> Any:
        """``coupon:<id>`` state: the batch with its remaining count, or null once it cannot be claimed."""
        b = await self.batch(room, batch)
        if b is None or b["status"] in ("ended", "expired"):
            return None
        return b

    # -- claims ---------------------------------------------------------------------------------------
    async def claim(self, room: str, user: str, batch: str, key: str) -> dict[str, Any] | Refusal:
        if not (_ID.match(batch) and user and "\n" not in user and key and len(key) <= 64 and "\n" not in key):
            return refusal(ErrorCode.INVALID, "batch, user and key (1..64 characters) are required")
        keys = self._batch_keys(room, batch)
        res = await self.rt.scripts.call(
            "coupon_claim",
            keys=[keys["batch"], keys["users"], keys["idem"], keys["claims"], self._held_key(room, user),
                  self.stream(room)],
            args=[user, key, self.now_ms(), self.rt.settings.order_stream_maxlen, idem_id(user, key)])
        if replies.text(res[0]) != "ok":
            code = code_of(res[1])
            if code is ErrorCode.NOT_FOUND and await self.lost(room, batch):
                return refusal(ErrorCode.UNAVAILABLE, "this coupon batch is being restored; retry with the same key")
            return refusal(code, about=Subject.COUPON)
        claim_id, remaining, replayed = replies.text(res[1]), int(res[2]), bool(int(res[5]))
        if not replayed:
            self.state.mark(room, f"coupon:{batch}", lambda: self._state_value(room, batch))
            if remaining == 0:
                await self.rt.bus.publish_reliable(
                    room, CouponEvent(ts=self.now_ms(), batch=batch, phase="exhausted", data={"remaining": 0}))
        return {"ok": True, "claim": claim_id, "batch": batch, "remaining": remaining,
                "valid_from": int(res[3]), "valid_until": int(res[4]), "replayed": replayed}

    async def lost(self, room: str, batch: str) -> bool:
        """A batch Redis does not know: lost with Redis's data (PostgreSQL holds it open; without a database,
        Redis waits for ``livecore restore``) rather than unknown?"""
        if self.rt.db is not None:
            try:
                return bool(await self.rt.db.fetchval(
                    """SELECT true FROM coupon_batches WHERE id = $1 AND room_id = $2 AND status = 'active'
                       AND ends_at > $3""", batch, room, _ts(self.now_ms())))
            except Exception as exc:
                log.warning("coupon batch %s/%s: PostgreSQL check failed (%s)", room, batch, exc)
        generation = self.rt.generation
        return generation is not None and await generation.commerce_blocked()

    async def held(self, room: str, user: str) -> list[HeldCoupon]:
        """Every coupon ``user`` holds in ``room`` (used and expired ones included)."""
        claim_ids = sorted(replies.text(c) for c in await self.rt.redis.smembers(self._held_key(room, user)))
        by_batch: dict[str, list[str]] = {}
        for cid in claim_ids:
            b, _, seq = cid.rpartition("-")
            by_batch.setdefault(b, []).append(seq)
        out: list[HeldCoupon] = []
        for b, seqs in by_batch.items():
            keys = self._batch_keys(room, b)
            pipe = self.rt.redis.pipeline(transaction=False)
            pipe.hgetall(keys["batch"])
            pipe.hmget(keys["claims"], seqs)
            pipe.hmget(keys["used"], seqs)
            raw, claims, used = await pipe.execute()
            if not raw:
                continue
            h = {replies.text(k): replies.text(v) for k, v in raw.items()}
            terms = _terms(h)
            for seq, c, u in zip(seqs, claims, used, strict=True):
                if c is None:
                    continue
                rec = msgspec.json.decode(c)
                out.append(HeldCoupon(claim=f"{b}-{seq}", batch=b, terms=terms, valid_from=int(rec["vf"]),
                                      valid_until=int(rec["vu"]), used=u is not None, title=h.get("title", "")))
        return out

    async def offers(self, room: str, user: str, amount: int) -> list[Offer]:
        """The user's coupons usable now on ``amount``, best first (``coupon_math.offers``)."""
        return offers(await self.held(room, user), amount, self.now_ms())

    # -- redemption -----------------------------------------------------------------------------------
    async def _locate(self, claim_id: str) -> tuple[str, str, str]:
        batch, _, seq = claim_id.rpartition("-")
        if not (_ID.match(batch) and seq.isdigit()):
            raise RefusedError(ErrorCode.NOT_FOUND, f"no coupon {claim_id!r}")
        room = self._rooms.get(batch)
        if room is None:
            raw = await self.rt.redis.hget(self._batch_room_key(), batch)
            if raw is None:
                raise RefusedError(ErrorCode.NOT_FOUND, f"no coupon {claim_id!r}")
            room = self._rooms[batch] = replies.text(raw)
        return room, batch, seq

    async def _batch_terms(self, room: str, batch: str) -> CouponTerms:
        terms = self._terms.get(batch)
        if terms is None:
            raw = await self.rt.redis.hgetall(self._batch_keys(room, batch)["batch"])
            if not raw:
                raise RefusedError(ErrorCode.NOT_FOUND, f"no coupon batch {batch!r}")
            terms = self._terms[batch] = _terms({replies.text(k): replies.text(v) for k, v in raw.items()})
        return terms

    async def redeem(self, user: str, claim_id: str, order_id: str, amount: int) -> int:
        """Apply the claim to the order; returns the discount in cents. Raises ``RefusedError``.

        Redeeming the same claim for the same order again returns the same discount (a retried payment);
        one order holds at most one coupon.
        """
        if not order_id or "\n" in order_id or amount <= 0:
            raise RefusedError(ErrorCode.INVALID, "an order id and a positive amount are required")
        room, batch, seq = await self._locate(claim_id)
        if room_of(order_id) != room:
            raise RefusedError(ErrorCode.WRONG_ROOM, f"coupon {claim_id} belongs to another room than order {order_id}")
        off = self._discount(await self._batch_terms(room, batch), amount)
        keys = self._batch_keys(room, batch)
        hint = self._order_key(order_id)
        previous = await self.rt.redis.get(hint)
        prior = replies.text_or_none(previous)
        if prior is not None and prior != claim_id and await self._holds(prior, order_id):
            raise RefusedError(ErrorCode.ORDER_HAS_COUPON, f"order {order_id} already uses coupon {prior}")
        await self.rt.redis.set(hint, claim_id, ex=_HINT_TTL_S)  # for release(); the script decides
        res = await self.rt.scripts.call(
            "coupon_redeem", keys=[keys["batch"], keys["claims"], keys["used"], self.stream(room)],
            args=[seq, user, order_id, amount, off, self.now_ms(), self.rt.settings.order_stream_maxlen])
        if replies.text(res[0]) != "ok":
            code = replies.text(res[1])
            raise RefusedError(code_of(code), f"coupon {claim_id}: {code.replace('_', ' ')}")
        return int(res[2])

    @staticmethod
    def _discount(terms: CouponTerms, amount: int) -> int:
        off = discount(terms, amount)
        if off <= 0:
            raise RefusedError(ErrorCode.THRESHOLD_NOT_MET,
                               f"this coupon needs an order of at least {terms.threshold} cents")
        return off

    async def _holds(self, claim_id: str, order_id: str) -> bool:
        """Does ``order_id`` currently hold a redemption of ``claim_id``?"""
        try:
            room, batch, seq = await self._locate(claim_id)
        except RefusedError:
            return False
        used = await self.rt.redis.hget(self._batch_keys(room, batch)["used"], seq)
        return used is not None and replies.text(used).split("\n", 1)[0] == order_id

    async def release(self, order_id: str) -> bool:
        """Give back the coupon a cancelled or expired order used, exactly once. True when one went back."""
        raw = await self.rt.redis.get(self._order_key(order_id))
        if raw is None:
            return False
        claim_id = replies.text(raw)
        try:
            room, batch, seq = await self._locate(claim_id)
        except RefusedError:
            return False
        keys = self._batch_keys(room, batch)
        rid = await self.rt.scripts.call(
            "coupon_release", keys=[keys["batch"], keys["used"], self.stream(room)],
            args=[seq, order_id, self.now_ms(), self.rt.settings.order_stream_maxlen])
        # the hint stays: a stale one is harmless (the script finds nothing to release, redeem overwrites it)
        return rid is not None

    async def close(self) -> None:
        await self.state.drain()
        await self.state.close()


# -- persistence of the claims stream (the handler of the ``claims`` outbox worker) ----------------------
def _f(fields: dict[bytes, bytes], name: str) -> str:
    return fields[name.encode()].decode()


async def persist_claims(conn: asyncpg.Connection, entries: list[tuple[str, dict[bytes, bytes]]]) -> None:
    """Write one batch of claims-stream entries idempotently (``ON CONFLICT DO NOTHING``, releases by id).

    Called by ``OutboxConsumer`` inside one transaction; an entry redelivered after a crash changes nothing.
    """
    claims, redemptions, releases = [], [], []
    for _entry_id, fields in entries:
        kind = _f(fields, "k")
        if kind == "claim":
            batch = _f(fields, "batch")
            claims.append((_f(fields, "id"), batch, _f(fields, "user"), _f(fields, "key"),
                           _ts(int(_f(fields, "at"))), _ts(int(_f(fields, "vf"))), _ts(int(_f(fields, "vu")))))
        elif kind == "redeem":
            redemptions.append((_f(fields, "id"), _f(fields, "claim"), _f(fields, "batch"), _f(fields, "user"),
                                _f(fields, "order"), int(_f(fields, "amount")), int(_f(fields, "discount")),
                                _ts(int(_f(fields, "at")))))
        elif kind == "release":
            releases.append((_f(fields, "id"), _f(fields, "order"), _ts(int(_f(fields, "at")))))
        else:
            raise ValueError(f"unknown claims-stream entry kind {kind!r}")
    # the room comes from the batch row (written before any claim could exist); a missing batch makes
    # room_id NULL, the insert fails and the entry is retried, then dead-lettered: never silently dropped
    if claims:
        await conn.executemany(
            """INSERT INTO coupon_claims (id, batch_id, room_id, user_id, claim_key, claimed_at, valid_from,
                                          valid_until)
               VALUES ($1, $2, (SELECT room_id FROM coupon_batches WHERE id = $2), $3, $4, $5, $6, $7)
               ON CONFLICT DO NOTHING""", claims)
    if redemptions:
        await conn.executemany(
            """INSERT INTO coupon_redemptions (id, claim_id, batch_id, room_id, user_id, order_id, amount, discount,
                                               redeemed_at)
               VALUES ($1, $2, $3, (SELECT room_id FROM coupon_batches WHERE id = $3), $4, $5, $6, $7, $8)
               ON CONFLICT (id) DO UPDATE SET claim_id = EXCLUDED.claim_id, batch_id = EXCLUDED.batch_id,
                   room_id = EXCLUDED.room_id, user_id = EXCLUDED.user_id, order_id = EXCLUDED.order_id,
                   amount = EXCLUDED.amount, discount = EXCLUDED.discount, redeemed_at = EXCLUDED.redeemed_at""",
            redemptions)
    for rid, order, at in releases:
        # a release may arrive before its redemption when entries are reclaimed out of order: keep it
        await conn.execute(
            """INSERT INTO coupon_redemptions (id, claim_id, batch_id, room_id, user_id, order_id, amount,
                                               discount, redeemed_at, released_at)
               VALUES ($1, '', '', '', '', $2, 0, 0, $3, $3)
               ON CONFLICT (id) DO UPDATE SET released_at = COALESCE(coupon_redemptions.released_at,
                                                                     EXCLUDED.released_at)""", rid, order, at)


def claims_persister(rt: Runtime, consumer: str) -> Any:
    """The ``claims`` worker: every room's claims stream -> ``coupon_claims`` / ``coupon_redemptions``."""
    from ...workers.outbox import RoomOutbox  # commerce does not depend on the workers package otherwise

    return RoomOutbox(rt, rt.keys.global_key("claims", "rooms"), lambda room: rt.keys.room(room, "claims"),
                      "claims", consumer, persist_claims)
