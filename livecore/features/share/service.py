"""Share attribution (分享裂变): share codes, visits through them, the funnel the console shows.

* ``make_code`` signs a code for the viewer (``codes.encode``) and remembers the channel of their last code, so
  a later ``share`` interaction counts as a share of that channel (the ``share-taps`` worker).
* ``visit`` verifies a code against the room (and group) of the link and lets ``share_visit.lua`` decide the
  rest: self-referral and loops refused, the visit counted once per viewer, sharer and channel, first touch wins
  within ``Settings.attribution_window_s``. Group-buy calls ``visit(..., via="join")`` when someone joins a group
  through a code.
* ``funnel`` reads the counts the scripts keep (codes, shares, visits, new viewers, joins, credited orders and
  GMV per channel), the fission coefficient and the top referrers with their names.

Orders are credited by the ``share-orders`` worker (``worker.py``), helps live in ``help.py``.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ... import replies
from ...core.outcome import Refusal, refusal
from ...people import PeopleStore
from ...protocol.codes import ErrorCode
from ...runtime import Runtime
from . import codes, model
from .keys import ShareKeys

LOOP_DEPTH = 8  # referrers up the chain a loop is looked for
KEEP_S = 30 * 86400  # share keys outlive the attribution window by this much


def now_ms(rt: Runtime) -> int:
    return round(rt.clock.now() * 1000)


class ShareService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.sk = ShareKeys(rt.keys)
        self.key = codes.code_key(rt.settings.secret)
        self.people = PeopleStore(rt.redis, rt.keys)

    @property
    def window_ms(self) -> int:
        return self.rt.settings.attribution_window_s * 1000

    @property
    def ttl_s(self) -> int:
        return self.rt.settings.attribution_window_s + KEEP_S

    async def make_code(self, room: str, user: str, channel: str, group: str | None = None) -> dict[str, Any]:
        code = codes.encode(self.key, sharer=user, channel=channel, room=room, group=group, issued_ms=now_ms(self.rt))
        sk = self.sk
        pipe = self.rt.redis.pipeline(transaction=False)
        pipe.sadd(sk.sharers(room), user)
        pipe.hset(sk.last_channel(room), user, channel)
        pipe.hincrby(sk.funnel(room), f"{channel}:codes", 1)
        for key in (sk.sharers(room), sk.last_channel(room), sk.funnel(room)):
            pipe.expire(key, self.ttl_s)
        pipe.sadd(sk.rooms(), room)
        await pipe.execute()
        return {"code": code, "channel": channel, "group": group, "link": model.link(room, code, group)}

    def verify(self, room: str, code: str, group: str | None = None) -> codes.ShareCode | Refusal:
        try:
            return codes.verify(self.key, code, room=room, group=group)
        except codes.BadCode as exc:
            return refusal(ErrorCode.BAD_CODE, str(exc))

    async def visit(self, room: str, user: str, code: str, group: str | None = None,
                    via: str = "visit") -> dict[str, Any] | Refusal:
        """Record a visit (or a group join, ``via="join"``) through ``code``; answers the viewer's referrer."""
        found = self.verify(room, code, group)
        if isinstance(found, Refusal):
            return found
        sk = self.sk
        res = await self.rt.scripts.call(
            "share_visit",
            keys=[sk.attribution(room), sk.seen(room), sk.funnel(room), sk.brought(room), sk.outbox(room)],
            args=[user, found.sharer, found.channel, group or "", now_ms(self.rt), self.window_ms, via,
                  self.rt.settings.order_stream_maxlen, LOOP_DEPTH, self.ttl_s])
        if replies.text(res[0]) != "ok":
            code_ = replies.text(res[1])
            words = {"self_referral": "this is your own share link",
                     "referral_loop": "you brought this sharer here: no referral recorded"}
            return refusal(ErrorCode(code_), words.get(code_, ""))
        await self.rt.redis.sadd(sk.rooms(), room)
        return {"ok": True, "outcome": replies.text(res[1]), "referrer": replies.text(res[2]),
                "channel": replies.text(res[3]), "touched_at": int(res[4]), "counted": bool(int(res[5])),
                "sharer": found.sharer}

    async def referrer(self, room: str, user: str) -> dict[str, Any] | None:
        """The user's live attribution (referrer, channel, touched_at, group) or None."""
        raw = await self.rt.redis.hget(self.sk.attribution(room), user)
        if raw is None:
            return None
        a = msgspec.json.decode(raw)
        at = int(a["at"])
        if not at <= now_ms(self.rt) < at + self.window_ms:
            return None
        return {"referrer": a["r"], "channel": a["ch"], "touched_at": at, "group": a.get("g") or None}

    async def funnel(self, room: str, top: int = 10) -> dict[str, Any]:
        sk = self.sk
        pipe = self.rt.redis.pipeline(transaction=False)
        pipe.hgetall(sk.funnel(room))
        pipe.scard(sk.sharers(room))
        pipe.zrevrange(sk.brought(room), 0, top - 1, withscores=True)
        pipe.zrevrange(sk.referred_gmv(room), 0, top - 1, withscores=True)
        raw, sharers, brought, gmv = await pipe.execute()
        counts = {replies.text(k): int(v) for k, v in raw.items()}
        out = model.funnel(counts, int(sharers))
        by: dict[str, dict[str, Any]] = {}
        for member, score in brought:
            by.setdefault(replies.text(member), {"new": 0, "gmv": 0})["new"] = int(score)
        for member, score in gmv:
            by.setdefault(replies.text(member), {"new": 0, "gmv": 0})["gmv"] = int(score)
        if by:
            pipe = self.rt.redis.pipeline(transaction=False)
            for user in by:
                pipe.zscore(sk.brought(room), user)
                pipe.zscore(sk.referred_gmv(room), user)
            scores = await pipe.execute()
            for i, user in enumerate(by):
                by[user] = {"new": int(scores[2 * i] or 0), "gmv": int(scores[2 * i + 1] or 0)}
        rows = sorted(({"user": u, **v} for u, v in by.items()), key=lambda r: (-r["new"], -r["gmv"], r["user"]))
        out["top"] = await self.people.with_names(rows[:top])
        out["window_s"] = self.rt.settings.attribution_window_s
        return out

    async def close(self) -> None:
        """Nothing buffered: every write is a script call or a pipeline answered before returning."""
