"""``PollService``: open a poll, take votes (``polls_vote.lua``), close it exactly once, tell and reward.

* **Open** (host): the poll row and its options go to PostgreSQL in one transaction with the Redis open
  (``polls_open.lua``: one open poll per room). A quiz drawing a prize among its correct voters commits to a
  seed (SHA-256 announced at opening, the seed revealed at the close, as the lottery does). The reliable
  ``poll`` event ``opened`` and the ``poll`` room state go out.
* **Vote**: one script call decides the window, the one vote (or one change), the condition and the options,
  records the vote and appends it to the room's ``polls`` outbox. The ``poll`` state (the live tallies) is only
  *marked*: the throttled publisher sends it at most once per tick, whatever the number of votes.
* **Close** (host, or the timer at ``ends_at``): ``polls_close.lua`` stops the votes (exactly one caller closes),
  the result is computed from the frozen votes (deterministic), ``polls_finish.lua`` records it and appends it
  to the outbox once, the ``closed`` event is told once (``publish_reliable_once``), the correct voters of a
  coupon quiz are granted a coupon each (a claim under the idempotency key ``quiz-<poll>``: a retried or raced
  close grants nothing twice), and the timer's entry is removed. Every step is safe to repeat, and a closer that
  dies leaves the poll in the timer's set, which finishes the job.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
from typing import Any

import msgspec

from ... import replies
from ...commerce.state_publish import SKIP, StatePublisher, ms
from ...core import draw as drawing
from ...core.outcome import Refusal, RefusedError, code_of, refusal
from ...protocol.codec import encode  # a feature's events are outside the bus's core union: sent encoded
from ...protocol.codes import ErrorCode
from ...protocol.ids import PROMO_ID as _ID
from ...runtime import Runtime
from ...storage.audit import audit
from . import model
from .events import PollEvent
from .keys import PollKeys
from .rewards import grant_coupons

log = logging.getLogger(__name__)

FINISH_LEASE_MS = 10_000  # a closer silent this long is presumed dead; the timer finishes its close
_MESSAGES = {
    ErrorCode.NOT_FOUND: "no such poll",
    ErrorCode.ENDED: "this poll is closed",
    ErrorCode.ALREADY: "you have already voted",
    ErrorCode.INVALID: "choose one of the poll's options",
}


def _ts(millis: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(millis / 1000, dt.UTC)


def _decoded(raw: dict[Any, Any]) -> dict[str, str]:
    return {replies.text(k): replies.text(v) for k, v in raw.items()}


class PollService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pk = PollKeys(rt.keys)
        self.state = StatePublisher(rt, interval_s=rt.settings.tick_ms / 1000)
        self.closed_by_timer = 0

    def now_ms(self) -> int:
        return ms(self.rt.clock.now())

    # -- opening --------------------------------------------------------------------------------------
    async def open(self, room: str, spec: model.PollIn, actor: str) -> dict[str, Any]:
        """Open and announce a poll; raises ``RefusedError`` (invalid, busy)."""
        found = model.problems(room, spec)
        if spec.reward == "coupon" and not _ID.match(spec.coupon_batch):
            found.append("coupon_batch is not a batch id")
        if found:
            raise RefusedError(ErrorCode.INVALID, "; ".join(found))
        if spec.reward == "coupon" and not await self._batch_exists(room, spec.coupon_batch):
            raise RefusedError(ErrorCode.NOT_FOUND, f"no coupon batch {spec.coupon_batch} in this room")
        now = self.now_ms()
        poll = "pl" + secrets.token_hex(6)
        seed = drawing.new_seed() if spec.reward == "lottery" else ""
        fields = model.hash_fields(poll, room, spec, now, drawing.seed_hash(seed) if seed else "")
        ttl_s = spec.duration_s + 7 * 86400
        args: list[Any] = [poll, ttl_s, seed]
        for key, value in fields.items():
            args += [key, value]
        assert self.rt.db is not None, "polls need the database"
        async with self.rt.db.acquire() as conn, conn.transaction():
            await conn.execute(
                """INSERT INTO polls (id, room_id, question, mode, changeable, condition, watch_s, opened_at, ends_at,
                       correct, reward, coupon_batch, winners_count, seed_hash, seed, created_by)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)""",
                poll, room, fields["question"], spec.mode, spec.changeable, spec.condition,
                int(fields["watch_ms"]) // 1000, _ts(now), _ts(int(fields["ends_at"])), fields["correct"] or None,
                spec.reward, fields["coupon"], int(fields["winners_count"]), fields["seed_hash"], seed or None, actor)
            await conn.executemany(
                "INSERT INTO poll_options (poll_id, option_id, position, text) VALUES ($1, $2, $3, $4)",
                [(poll, o["id"], i, o["text"]) for i, o in enumerate(model.options_of(spec.options))])
            await audit(conn, room, actor, "poll.open", {"poll": poll, **msgspec.to_builtins(spec)})
            res = await self.rt.scripts.call(
                "polls_open", keys=[self.pk.poll(room, poll), self.pk.pointer(room), self.pk.seed(room, poll)],
                args=args)
            if replies.text(res[0]) != "ok":  # the transaction rolls back: nothing of this poll stays
                if replies.text(res[1]) == "busy":
                    raise RefusedError(ErrorCode.BUSY, f"poll {replies.text(res[2])} is still open in this room")
                raise RefusedError(ErrorCode.INVALID, replies.text(res[1]))
        await self.rt.redis.sadd(self.pk.rooms(), room)
        await self.rt.redis.zadd(self.pk.due(), {f"{room}:{poll}": int(fields["ends_at"])})
        view = await self.get(room, poll)
        assert view is not None
        await self.rt.bus.publish_reliable(room, encode(PollEvent(ts=now, poll=poll, phase="opened", data=view)))
        await self.state.publish_now(room, "poll", lambda: self._state_value(room, poll))
        return view

    async def _batch_exists(self, room: str, batch: str) -> bool:
        from ..coupons.service import CouponService  # only a coupon quiz needs the coupons service

        coupons = CouponService(self.rt)
        try:
            return await coupons.batch(room, batch) is not None
        finally:
            await coupons.close()

    # -- reading --------------------------------------------------------------------------------------
    async def _read(self, room: str, poll: str) -> tuple[dict[str, str], dict[str, int]] | None:
        pipe = self.rt.redis.pipeline(transaction=False)
        pipe.hgetall(self.pk.poll(room, poll))
        pipe.hgetall(self.pk.tally(room, poll))
        raw, tally = await pipe.execute()
        if not raw:
            return None
        return _decoded(raw), {replies.text(k): int(v) for k, v in tally.items()}

    async def get(self, room: str, poll: str) -> dict[str, Any] | None:
        if not _ID.match(poll):
            return None
        found = await self._read(room, poll)
        return None if found is None else model.view(*found)

    async def current(self, room: str) -> dict[str, Any] | None:
        value = (await self.rt.bus.state(room)).get("poll")
        return value if isinstance(value, dict) else None

    async def _state_value(self, room: str, poll: str) -> Any:
        """The ``poll`` state: this poll, unless another poll has been opened in the room since."""
        pointer = await self.rt.redis.get(self.pk.pointer(room))
        if pointer is not None and replies.text(pointer) != poll:
            return SKIP
        view = await self.get(room, poll)
        return SKIP if view is None else view

    # -- voting ---------------------------------------------------------------------------------------
    async def vote(self, room: str, user: str, poll: str, options: list[str],
                   watched_s: float) -> dict[str, Any] | Refusal:
        """Record ``user``'s vote; ``watched_s`` is the viewer's time in the room as the gateway measured it."""
        if not (_ID.match(poll) and user and len(user) <= 128 and "\n" not in user):
            return refusal(ErrorCode.INVALID, "a poll id and a user are required")
        if any("," in o for o in options):
            return refusal(ErrorCode.INVALID, _MESSAGES[ErrorCode.INVALID])
        res = await self.rt.scripts.call(
            "polls_vote",
            keys=[self.pk.poll(room, poll), self.pk.tally(room, poll), self.pk.votes(room, poll),
                  self.pk.followers(room), self.pk.stream(room)],
            args=[user, ",".join(options), self.now_ms(), int(watched_s * 1000), self.rt.settings.order_stream_maxlen])
        outcome = replies.text(res[0])
        if outcome in ("ok", "same"):
            if outcome == "ok":
                self.state.mark(room, "poll", lambda: self._state_value(room, poll))
            return {"ok": True, "poll": poll, "options": sorted(options), "rev": int(res[1]),
                    "voters": int(res[2]), "changed": outcome == "ok" and int(res[1]) == 1,
                    "repeated": outcome == "same"}
        code = code_of(res[1])
        if code is ErrorCode.NOT_FOUND and self.rt.generation is not None \
                and await self.rt.generation.commerce_blocked():  # Redis lost it: back after `livecore restore`
            return refusal(ErrorCode.UNAVAILABLE, "this poll is being restored; retry")
        if code is ErrorCode.NOT_ELIGIBLE:
            return refusal(code, await self._why_not(room, poll))
        return refusal(code, _MESSAGES.get(code, ""))

    async def _why_not(self, room: str, poll: str) -> str:
        raw = await self.rt.redis.hmget(self.pk.poll(room, poll), ["condition", "watch_ms"])
        if replies.text(raw[0] or b"") == "follow":
            return "to vote, follow the host"
        return f"to vote, watch the stream for {int(raw[1] or 0) // 1000} seconds"

    # -- closing --------------------------------------------------------------------------------------
    async def close_poll(self, room: str, poll: str, actor: str = "", early: bool = True) -> dict[str, Any]:
        """Close (or finish closing) a poll: result recorded and told once, rewards granted once. Safe to call
        concurrently and to retry. Raises ``RefusedError`` (not_found, not_ended)."""
        if not _ID.match(poll):
            raise RefusedError(ErrorCode.NOT_FOUND, "no such poll")
        now = self.now_ms()
        res = await self.rt.scripts.call("polls_close", keys=[self.pk.poll(room, poll), self.pk.pointer(room)],
                                         args=[poll, now, "1" if early else "0"])
        if replies.text(res[0]) == "no":
            code = replies.text(res[1])
            raise RefusedError(code_of(code), f"poll {poll}: {code.replace('_', ' ')}")
        member = f"{room}:{poll}"
        if int(res[1]) == 1:  # this call closed it; if it dies from here on, the timer finishes once the lease ends
            await self.rt.redis.zadd(self.pk.due(), {member: now + FINISH_LEASE_MS})
            if actor:
                assert self.rt.db is not None
                await audit(self.rt.db, room, actor, "poll.close", {"poll": poll})
        outcome = await self._finish(room, poll)
        view = await self.get(room, poll)
        assert view is not None
        await self.rt.bus.publish_reliable_once(
            room, encode(PollEvent(ts=now, poll=poll, phase="closed", data=view)), self.pk.poll(room, poll),
            "announced")
        await self.state.publish_now(room, "poll", lambda: self._state_value(room, poll))
        h = (await self._read(room, poll) or ({}, {}))[0]
        if h.get("reward") == "coupon" and h.get("rewarded") != "1":
            granted = await grant_coupons(self.rt, room, poll, h["coupon"], outcome.get("correct_users", []))
            await self.rt.redis.hset(self.pk.poll(room, poll), mapping={"rewarded": "1", "granted": granted})
            view["granted"] = granted
        await self.rt.redis.zrem(self.pk.due(), member)
        return view

    async def _finish(self, room: str, poll: str) -> dict[str, Any]:
        """The poll's result: computed from the frozen votes and recorded by ``polls_finish.lua`` (once; a later
        call gets the recorded one). Carries the correct voters for the rewards (not recorded in the result)."""
        pipe = self.rt.redis.pipeline(transaction=False)
        pipe.hgetall(self.pk.poll(room, poll))
        pipe.hgetall(self.pk.tally(room, poll))
        pipe.hgetall(self.pk.votes(room, poll))
        pipe.get(self.pk.seed(room, poll))
        raw, tally, votes, seed = await pipe.execute()
        h = _decoded(raw)
        votes_by_user = _decoded(votes)
        counts = {replies.text(k): int(v) for k, v in tally.items()}
        computed = model.result(votes_by_user, counts, h, replies.text_or_none(seed))
        res = await self.rt.scripts.call("polls_finish", keys=[self.pk.poll(room, poll), self.pk.stream(room)],
                                         args=[msgspec.json.encode(computed), self.rt.settings.order_stream_maxlen])
        if replies.text(res[0]) == "no":
            raise RefusedError(code_of(res[1]), f"poll {poll}: {replies.text(res[1])}")
        recorded: dict[str, Any] = msgspec.json.decode(replies.text(res[1]))
        if h.get("correct"):
            recorded["correct_users"] = model.correct_voters(votes_by_user, h["correct"])
        return recorded

    async def close_due(self) -> list[str]:
        """Close every poll whose window has ended, and finish every close whose closer went silent (the timer)."""
        due = replies.members(await self.rt.redis.zrangebyscore(self.pk.due(), "-inf", self.now_ms()))
        closed = []
        for member in due:
            room, _, poll = replies.text(member).rpartition(":")
            try:
                await self.close_poll(room, poll, early=False)
                closed.append(poll)
                self.closed_by_timer += 1
            except RefusedError as exc:
                if exc.code is ErrorCode.NOT_FOUND:
                    await self.rt.redis.zrem(self.pk.due(), replies.text(member))
                elif exc.code is not ErrorCode.NOT_ENDED:
                    raise
        return closed

    async def run_timer(self, stop: asyncio.Event, interval_s: float = 0.25) -> None:
        while not stop.is_set():
            try:
                await self.close_due()
            except Exception:
                log.exception("polls timer")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)

    async def close(self) -> None:
        """Flush the throttled state (the app's lifespan and the gateway part call this when they stop)."""
        await self.state.drain()
        await self.state.close()
