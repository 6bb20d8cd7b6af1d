"""``GroupBuyService``: group deals (拼团) around ``groupbuy_*.lua``.

* **Create** (host): the deal row and the audit line go to PostgreSQL first, then ``groupbuy_create.lua``
  creates it in Redis, the room is added to the rooms the worker and the timer watch, and the state
  ``groupbuy:<deal>`` goes out.
* **Open / join** (viewer): one script each decides everything (window, units left, per-user limit, the
  group open, not full and not past its deadline, the user not in it yet) and appends the member to the
  room's group-buy stream. The join that fills the group completes it in the same step; the caller then
  tells the room once (``room_publish_once.lua`` on the group's ``told`` flag) and drops the group's timer.
  If the caller dies in between, the timer (``settle.GroupTimer``) tells the room at the end of the lease.
* A join through a share code (``share``) is first a visit through it (``ShareService.visit``), so the member's
  touch exists before their order does, then, once the join is accepted (not replayed), counted as a join
  (``via="join"``). Neither can refuse the join: a self-referral, a loop or a bad code only means nothing is
  attributed; the answer's ``share`` says what happened. Group-buy depends on share, never the other way round.
* The room state is published through a ``StatePublisher`` (latest value wins, at most every 100 ms).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from redis.exceptions import RedisError

from ... import replies
from ...commerce.ids import new_order_id
from ...commerce.payments import PaymentProvider, SimulatedProvider
from ...commerce.state_publish import SKIP, StatePublisher, ms
from ...core.outcome import Refusal, RefusedError, Subject, code_of, refusal
from ...people import PeopleStore
from ...protocol.codec import encode
from ...protocol.codes import ErrorCode
from ...runtime import Runtime
from ...storage.audit import audit
from ..share.service import ShareService
from .events import GroupEvent
from .keys import GroupKeys
from .model import (
    DEAL_ID,
    SHOWN_GROUPS,
    DealIn,
    deal_of,
    deal_view,
    group_view,
    members_of,
    new_deal_id,
    new_group_id,
    problems,
    text_map,
    window,
)

log = logging.getLogger(__name__)

ANNOUNCE_LEASE_MS = 10_000  # a completing joiner silent this long is presumed dead: the timer tells the room
IDEM_TTL_S = 86_400
KEEP_S = 7 * 86_400  # groups, idempotency records and the deal's keys outlive the deal's end by this much


def _ts(millis: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(millis / 1000, dt.UTC)


def _key_ok(key: str) -> bool:
    return bool(key) and len(key) <= 64 and "\n" not in key and "|" not in key


def _user_ok(user: str) -> bool:
    return bool(user) and len(user) <= 128 and "\n" not in user


class GroupBuyService:
    def __init__(self, rt: Runtime, *, state_interval_s: float = 0.1, share: ShareService | None = None,
                 provider: PaymentProvider | None = None) -> None:
        self.rt = rt
        self.provider: PaymentProvider = provider or SimulatedProvider()
        self.k = GroupKeys(rt.keys)
        self.share = share or ShareService(rt)
        self.state = StatePublisher(rt, state_interval_s)
        self.people = PeopleStore(rt.redis, rt.keys)

    def now_ms(self) -> int:
        return ms(self.rt.clock.now())

    # -- host -----------------------------------------------------------------------------------------
    async def create(self, room: str, spec: DealIn, actor: str) -> dict[str, Any]:
        """Create a deal; raises ``RefusedError`` (invalid, not_found product, unavailable)."""
        now = self.now_ms()
        found = problems(spec, now)
        if found:
            raise RefusedError(ErrorCode.INVALID, "; ".join(found))
        if self.rt.db is None:
            raise RefusedError(ErrorCode.UNAVAILABLE, "no database in this process")
        starts, ends = window(spec, now)
        deal = new_deal_id()
        async with self.rt.db.acquire() as conn, conn.transaction():
            title = await conn.fetchval("SELECT title FROM products WHERE id = $1 AND room_id = $2",
                                        spec.product, room)
            if title is None:
                raise RefusedError(ErrorCode.NOT_FOUND, f"no product {spec.product!r} in this room's cart")
            title = spec.title or title
            await conn.execute(
                """INSERT INTO group_deals (id, room_id, product_id, title, size, price, fill_s, units, per_user,
                                            starts_at, ends_at, created_by)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""",
                deal, room, spec.product, title, spec.size, spec.price, spec.fill_s, spec.units, spec.per_user,
                _ts(starts), _ts(ends), actor)
            await audit(conn, room, actor, "groupbuy.create", {"deal": deal, "product": spec.product,
                        "size": spec.size, "price": spec.price, "units": spec.units, "per_user": spec.per_user,
                        "fill_s": spec.fill_s, "starts_at": starts, "ends_at": ends})
        await self.rt.scripts.call(
            "groupbuy_create", keys=[self.k.deal(room, deal), self.k.deals(room)],
            args=[deal, spec.units, now, "room", room, "product", spec.product, "title", title, "size", spec.size,
                  "price", spec.price, "fill_ms", spec.fill_s * 1000, "per_user", spec.per_user,
                  "starts_at", starts, "ends_at", ends])
        await self.rt.redis.expire(self.k.deal(room, deal), max(0, (ends - now) // 1000) + KEEP_S)
        await self.rt.redis.sadd(self.k.rooms(), room)
        await self.publish_now(room, deal)
        view = await self.deal(room, deal)
        assert view is not None
        return view

    async def end(self, room: str, deal: str, actor: str) -> bool:
        """Stop a deal (no more opens or joins). False when it is unknown or already stopped."""
        if not DEAL_ID.match(deal):
            return False
        now = self.now_ms()
        done = int(await self.rt.scripts.call("groupbuy_end", keys=[self.k.deal(room, deal)], args=[now]))
        if done != 1:
            return False
        if self.rt.db is not None:
            async with self.rt.db.acquire() as conn, conn.transaction():
                await conn.execute("UPDATE group_deals SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL",
                                   deal, _ts(now))
                await audit(conn, room, actor, "groupbuy.end", {"deal": deal})
        await self.publish_now(room, deal)
        return True

    # -- viewers --------------------------------------------------------------------------------------
    async def open(self, room: str, user: str, deal: str, key: str) -> dict[str, Any] | Refusal:
        if not (DEAL_ID.match(deal) and _user_ok(user) and _key_ok(key)):
            return refusal(ErrorCode.INVALID, "deal, user and key (1..64 characters, no '|') are required")
        now = self.now_ms()
        group = new_group_id(deal)
        res = await self.rt.scripts.call(
            "groupbuy_open",
            keys=[self.k.deal(room, deal), self.k.users(room, deal), self.k.open_groups(room, deal),
                  self.k.group(room, group), self.k.idem(room, deal, user, key), self.k.timers(room),
                  self.k.stream(room), self.k.groups(room, deal)],
            args=[user, key, now, group, new_order_id(room, now), await self._keep_s(room, deal, now),
                  self.rt.settings.order_stream_maxlen])
        return await self._answer(room, deal, res)

    async def join(self, room: str, user: str, group: str, key: str,
                   share: str | None = None) -> dict[str, Any] | Refusal:
        """Join ``group``; ``share`` is the share code the viewer came through (a link to this group or to the
        room), recorded as a visit before the join and as a join after it."""
        deal = deal_of(group)
        if not (deal and _user_ok(user) and _key_ok(key)):
            return refusal(ErrorCode.INVALID, "group, user and key (1..64 characters, no '|') are required")
        touched = await self._through(room, user, share, group, "visit") if share else ""
        now = self.now_ms()
        res = await self.rt.scripts.call(
            "groupbuy_join",
            keys=[self.k.deal(room, deal), self.k.users(room, deal), self.k.open_groups(room, deal),
                  self.k.group(room, group), self.k.idem(room, deal, user, key), self.k.timers(room),
                  self.k.stream(room), self.k.pay_due(room)],
            args=[user, key, now, group, new_order_id(room, now), IDEM_TTL_S, self.rt.settings.order_stream_maxlen,
                  ANNOUNCE_LEASE_MS, self.rt.settings.payment_window_s * 1000])
        answer = await self._answer(room, deal, res)
        if isinstance(answer, dict) and not answer["replayed"]:
            if answer["status"] == "complete":
                await self.announce(room, group)
            if share:
                counted = await self._through(room, user, share, group, "join")
                answer["share"] = touched if counted == "kept" else counted  # "new" when the visit just attributed
        return answer

    async def _through(self, room: str, user: str, code: str, group: str, via: str) -> str:
        """Record a visit or a join through a share code; answers the outcome (``new``, ``kept``) or why nothing
        was attributed (``self_referral``, ``referral_loop``, ``bad_code``, ``unavailable``), never raising."""
        target: str | None = group
        if isinstance(self.share.verify(room, code, group), Refusal):
            target = None  # a link to the room, not to this group, attributes the join all the same
        try:
            found = await self.share.visit(room, user, code, target, via=via)
        except RedisError as exc:
            log.warning("share %s of %s in room %s not recorded: %s", via, user, room, exc)
            return "unavailable"
        return found.code.value if isinstance(found, Refusal) else str(found["outcome"])

    async def _keep_s(self, room: str, deal: str, now: int) -> int:
        ends = await self.rt.redis.hget(self.k.deal(room, deal), "ends_at")
        left_s = max(0, (int(ends) - now) // 1000) if ends is not None else 0
        return max(IDEM_TTL_S, left_s + KEEP_S)

    async def _refused(self, code: ErrorCode, message: str = "") -> Refusal:
        """A refusal; ``not_found`` while Redis waits for ``livecore restore`` is ``unavailable`` (retry)."""
        if code is ErrorCode.NOT_FOUND and self.rt.generation is not None \
                and await self.rt.generation.commerce_blocked():
            return refusal(ErrorCode.UNAVAILABLE, "this group deal is being restored; retry with the same key")
        return refusal(code, message, Subject.GROUP)

    async def _answer(self, room: str, deal: str, res: list[Any]) -> dict[str, Any] | Refusal:
        if replies.text(res[0]) != "ok":
            return await self._refused(code_of(res[1]))
        group, order, seq, need, deadline, left, replayed, status = (
            replies.text(res[1]), replies.text(res[2]), int(res[3]), int(res[4]), int(res[5]), int(res[6]),
            bool(int(res[7])), replies.text(res[8]))
        if not replayed:
            self.mark(room, deal)
        return {"ok": True, "group": group, "deal": deal, "order": order, "seq": seq, "need": need,
                "deadline": deadline, "left": left, "status": status, "replayed": replayed}

    async def pay(self, room: str, group: str, user: str) -> dict[str, Any] | Refusal:
        """A member of a complete group pays their order through the provider, within the payment window that
        started at the completion. A member who has paid is answered again without a second charge."""
        if deal_of(group) is None or not _user_ok(user):
            return refusal(ErrorCode.NOT_FOUND, about=Subject.GROUP)
        h = await self._group_hash(room, group)
        place = h.get(f"u:{user}") if h else None
        if h is None or place is None:
            return await self._refused(ErrorCode.NOT_FOUND)
        if h.get(f"ps{place}") == "paid":
            return self._paid(h, place, int(h[f"pa{place}"]), replayed=True)
        if h["status"] != "complete":
            return refusal(ErrorCode.GROUP_CLOSED, f"only a complete group's members pay; this group is {h['status']}")
        order = h[f"o{place}"]
        ref = await self.provider.charge(order, int(h["price"]))
        s = self.rt.settings
        res = await self.rt.scripts.call(
            "groupbuy_pay",
            keys=[self.k.group(room, group), self.k.deal(room, h["deal"]), self.k.pay_due(room), self.k.stream(room),
                  self.rt.keys.interactions(room), self.rt.keys.room_state(room)],
            args=[group, user, self.now_ms(), self.provider.name, ref, s.order_stream_maxlen, room,
                  s.interaction_maxlen])
        if replies.text(res[0]) != "ok":
            code = code_of(res[1])
            return await self._refused(code, "this order is already paid" if code is ErrorCode.ALREADY else "")
        self.mark(room, h["deal"])
        return self._paid(h, place, int(res[3]), replayed=bool(int(res[4])))

    @staticmethod
    def _paid(h: dict[str, str], place: str, at: int, *, replayed: bool) -> dict[str, Any]:
        return {"ok": True, "group": h["id"], "deal": h["deal"], "order": h[f"o{place}"], "status": "paid",
                "amount": int(h["price"]), "paid_at": at, "replayed": replayed}

    # -- telling the room -----------------------------------------------------------------------------
    async def announce(self, room: str, group: str) -> bool:
        """Tell the room once that a settled group completed or dissolved, then drop its timer. True when this
        call told it (False: told before, or the group is still open or gone)."""
        h = await self._group_hash(room, group)
        if h is None or h["status"] == "open":
            return False
        told = False
        if h.get("told") != "1":
            names = await self.people.names_for([m["user"] for m in members_of(h)])
            view = group_view(h, names)
            title = replies.text_or_none(await self.rt.redis.hget(self.k.deal(room, h["deal"]), "title")) or ""
            event = GroupEvent(ts=self.now_ms(), group=group, deal=h["deal"],
                               phase="completed" if h["status"] == "complete" else "dissolved",
                               data={"size": view["size"], "price": view["price"], "title": title,
                                     "members": view["members"]})
            told = await self.rt.bus.publish_reliable_once(room, encode(event), self.k.group(room, group),
                                                           "told") is not None
        await self.rt.redis.zrem(self.k.timers(room), group)
        self.mark(room, h["deal"])
        return told

    def mark(self, room: str, deal: str) -> None:
        self.state.mark(room, f"groupbuy:{deal}", lambda: self.state_value(room, deal))

    async def publish_now(self, room: str, deal: str) -> None:
        await self.state.publish_now(room, f"groupbuy:{deal}", lambda: self.state_value(room, deal))

    async def state_value(self, room: str, deal: str) -> Any:
        """``groupbuy:<deal>``: the deal with its counters and its open groups (soonest deadline first)."""
        view = await self.deal(room, deal, groups=SHOWN_GROUPS)
        return SKIP if view is None else view

    # -- reading --------------------------------------------------------------------------------------
    async def _group_hash(self, room: str, group: str) -> dict[str, str] | None:
        raw = await self.rt.redis.hgetall(self.k.group(room, group))
        return text_map(raw) if raw else None

    async def deal(self, room: str, deal: str, groups: int = 0) -> dict[str, Any] | None:
        """A deal's view; with ``groups`` > 0 also its first open groups (``groups``) and their count."""
        if not DEAL_ID.match(deal):
            return None
        raw = await self.rt.redis.hgetall(self.k.deal(room, deal))
        if not raw:
            return None
        view = deal_view(text_map(raw))
        if groups > 0:
            ids = [replies.text(g) for g in replies.members(
                await self.rt.redis.zrange(self.k.open_groups(room, deal), 0, groups - 1))]
            view["open_groups"] = await self._groups(room, ids)
            view["open_count"] = int(await self.rt.redis.zcard(self.k.open_groups(room, deal)))
        return view

    async def _groups(self, room: str, ids: list[str], *, orders: bool = False) -> list[dict[str, Any]]:
        if not ids:
            return []
        pipe = self.rt.redis.pipeline(transaction=False)
        for g in ids:
            pipe.hgetall(self.k.group(room, g))
        hashes = [text_map(raw) for raw in await pipe.execute() if raw]
        names = await self.people.names_for([m["user"] for h in hashes for m in members_of(h)])
        return [group_view(h, names, orders=orders) for h in hashes]

    async def deals(self, room: str) -> list[dict[str, Any]]:
        """The room's deals, newest first."""
        ids = [replies.text(d) for d in replies.members(await self.rt.redis.zrevrange(self.k.deals(room), 0, 49))]
        out = []
        for d in ids:
            view = await self.deal(room, d)
            if view is not None:
                out.append(view)
        return out

    async def group(self, room: str, group: str) -> dict[str, Any] | None:
        if deal_of(group) is None:
            return None
        found = await self._groups(room, [group])
        return found[0] if found else None

    async def groups(self, room: str, deal: str, limit: int = 200) -> list[dict[str, Any]]:
        """Every group of a deal (up to ``limit``), open ones first then by opening time, with orders."""
        if not DEAL_ID.match(deal):
            return []
        ids = sorted(replies.text(g) for g in await self.rt.redis.smembers(self.k.groups(room, deal)))
        found = await self._groups(room, ids, orders=True)
        found.sort(key=lambda g: (g["status"] != "open", -g["opened_at"]))
        return found[:limit]

    async def close(self) -> None:
        await self.state.drain()
        await self.state.close()
