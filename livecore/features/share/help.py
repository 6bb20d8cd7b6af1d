"""Friends' help (好友助力): the host sets the room's campaign (N helps unlock a coupon batch); a viewer sends
their help link (``/room/<room>?help=<code>``, a share code naming them) to friends; each distinct friend's help
counts once (``share_help.lua``: no self-help, a repeat is a replay) and the help that reaches N unlocks the
coupon exactly once. The coupon itself is granted through ``CouponService.claim`` with the idempotency key
``help-<campaign>``, so a grant retried (after a crash between the unlock and the claim, or from ``status``)
claims nothing twice; the claim reaches PostgreSQL through the coupons' own outbox.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

import msgspec

from ... import replies
from ...core.outcome import Refusal, RefusedError, refusal
from ...protocol.codes import ErrorCode
from ...runtime import Runtime
from ...storage.audit import audit
from ..coupons.service import CouponService
from . import codes, model
from .service import ShareService, now_ms


class HelpIn(msgspec.Struct, forbid_unknown_fields=True):
    """A help campaign as the host sets it (JSON body of ``POST /api/rooms/{room}/share/help``)."""

    batch: str  # the coupon batch a viewer unlocks
    need: Annotated[int, msgspec.Meta(ge=1, le=100)] = 3  # distinct friends' helps
    title: Annotated[str, msgspec.Meta(max_length=100)] = ""


def grant_key(campaign: str) -> str:
    """The idempotency key of the coupon claim a campaign grants (one per asker and campaign)."""
    return f"help-{campaign}"


class HelpService:
    def __init__(self, rt: Runtime, share: ShareService | None = None) -> None:
        self.rt = rt
        self.share = share or ShareService(rt)
        self.sk = self.share.sk
        self.coupons = CouponService(rt)

    # -- the host's campaign ------------------------------------------------------------------------------
    async def set_campaign(self, room: str, spec: HelpIn, actor: str) -> dict[str, Any]:
        """Start a campaign (replacing the room's current one); raises ``RefusedError``."""
        batch = await self.coupons.batch(room, spec.batch)
        if batch is None:
            raise RefusedError(ErrorCode.NOT_FOUND, "no such coupon batch in this room")
        if batch["status"] not in ("active", "scheduled"):
            raise RefusedError(ErrorCode.ENDED, "this coupon batch can no longer be claimed")
        campaign = "hc" + secrets.token_hex(6)
        title = spec.title or batch.get("title") or ""
        assert self.rt.db is not None, "help campaigns need the database"
        async with self.rt.db.acquire() as conn, conn.transaction():
            await conn.execute(
                """INSERT INTO share_help_campaigns (id, room_id, batch_id, need, title, created_by)
                   VALUES ($1, $2, $3, $4, $5, $6)""", campaign, room, spec.batch, spec.need, title, actor)
            await conn.execute("UPDATE share_help_campaigns SET ended_at = now() WHERE room_id = $1 AND id <> $2 "
                               "AND ended_at IS NULL", room, campaign)
            await audit(conn, room, actor, "share.help", {"campaign": campaign, **msgspec.to_builtins(spec)})
        fields = {"id": campaign, "room": room, "batch": spec.batch, "need": spec.need, "title": title,
                  "status": "active"}
        key = self.sk.help_campaign(room)
        pipe = self.rt.redis.pipeline(transaction=True)
        pipe.delete(key)
        pipe.hset(key, mapping=fields)  # type: ignore[arg-type]  # redis-py's mapping type is invariant
        pipe.expire(key, self.share.ttl_s)
        await pipe.execute()
        await self.rt.redis.sadd(self.sk.rooms(), room)
        public = self._public(fields)
        await self.rt.bus.set_state(room, {"share:help": public})
        return public

    async def end_campaign(self, room: str, actor: str) -> bool:
        key = self.sk.help_campaign(room)
        campaign = replies.text_or_none(await self.rt.redis.hget(key, "id"))
        if campaign is None or replies.text_or_none(await self.rt.redis.hget(key, "status")) != "active":
            return False
        await self.rt.redis.hset(key, "status", "ended")
        assert self.rt.db is not None
        async with self.rt.db.acquire() as conn, conn.transaction():
            await conn.execute("UPDATE share_help_campaigns SET ended_at = now() WHERE id = $1", campaign)
            await audit(conn, room, actor, "share.help_end", {"campaign": campaign})
        await self.rt.bus.set_state(room, {"share:help": None})
        return True

    @staticmethod
    def _public(h: dict[str, Any]) -> dict[str, Any]:
        return {"id": str(h["id"]), "batch": str(h["batch"]), "need": int(h["need"]), "title": str(h["title"]),
                "status": str(h["status"])}

    async def campaign(self, room: str) -> dict[str, Any] | None:
        raw = await self.rt.redis.hgetall(self.sk.help_campaign(room))
        if not raw:
            return None
        return self._public({replies.text(k): replies.text(v) for k, v in raw.items()})

    # -- helps ------------------------------------------------------------------------------------------
    async def help(self, room: str, helper: str, code: str) -> dict[str, Any] | Refusal:
        found = self.share.verify(room, code)
        if isinstance(found, Refusal):
            return found
        asker = found.sharer
        c = await self.campaign(room)
        if c is None:
            return refusal(ErrorCode.NOT_FOUND, "no help campaign in this room")
        sk = self.sk
        res = await self.rt.scripts.call(
            "share_help",
            keys=[sk.help_campaign(room), sk.helpers(room, c["id"], asker), sk.unlocked(room, c["id"]),
                  sk.outbox(room)],
            args=[helper, asker, c["id"], now_ms(self.rt), self.rt.settings.order_stream_maxlen, self.share.ttl_s])
        if replies.text(res[0]) != "ok":
            code_ = replies.text(res[1])
            words = {"self_help": "you cannot help yourself", "already": "your friend has unlocked it already",
                     "ended": "this help campaign has ended", "not_found": "no help campaign in this room"}
            return refusal(ErrorCode(code_), words.get(code_, ""))
        helps, need, unlocked_now, replayed = int(res[1]), int(res[2]), bool(int(res[3])), bool(int(res[4]))
        if unlocked_now:
            await self.grant(room, c["id"], c["batch"], asker)
        names = await self.share.people.names_for([asker])
        return {"ok": True, "asker": asker, "name": names[asker], "replayed": replayed,
                **model.progress(helps, need, helps >= need)}

    async def grant(self, room: str, campaign: str, batch: str, asker: str) -> dict[str, Any] | Refusal:
        """Claim the campaign's coupon for ``asker``; idempotent (the same claim on every call)."""
        res = await self.coupons.claim(room, asker, batch, grant_key(campaign))
        if not isinstance(res, Refusal):
            await self.rt.redis.hset(self.sk.grants(room, campaign), asker, res["claim"])
            await self.rt.redis.expire(self.sk.grants(room, campaign), self.share.ttl_s)
        return res

    async def status(self, room: str, user: str) -> dict[str, Any]:
        """The viewer's progress and their help code; a grant that did not happen yet is retried here."""
        c = await self.campaign(room)
        if c is None or c["status"] != "active":
            return {"campaign": None}
        sk = self.sk
        pipe = self.rt.redis.pipeline(transaction=False)
        pipe.scard(sk.helpers(room, c["id"], user))
        pipe.hexists(sk.unlocked(room, c["id"]), user)
        pipe.hget(sk.grants(room, c["id"]), user)
        helps, unlocked, claim = await pipe.execute()
        claim_id = replies.text_or_none(claim)
        grant_problem = None
        if unlocked and claim_id is None:
            res = await self.grant(room, c["id"], c["batch"], user)
            if isinstance(res, Refusal):
                grant_problem = res.code.value
            else:
                claim_id = res["claim"]
        code = codes.encode(self.share.key, sharer=user, channel="link", room=room, issued_ms=now_ms(self.rt))
        return {"campaign": c, "code": code, "link": model.link(room, code, param="help"), "claim": claim_id,
                "grant_problem": grant_problem, **model.progress(int(helps), c["need"], bool(unlocked))}

    async def close(self) -> None:
        await self.coupons.close()
