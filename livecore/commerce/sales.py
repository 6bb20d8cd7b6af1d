"""Flash sales (秒杀): creation, scheduling, start/stop, and the purchase decision.

The purchase is one script (``sale_buy.lua``), the only code that writes; this service interprets the
answer and publishes the room-facing effects: the throttled ``stock:<id>`` state and the reliable
``SaleEvent`` (started / sold_out / ended). PostgreSQL is only touched by host actions (the sale row and the
audit log), never by a purchase.

Purchases go through ``buying.Purchases``: the script calls made during one event-loop iteration share one
Redis round trip, and while a sale looks closed to this process (sold out, ended, not started) attempts are
answered from one shared read-only snapshot per iteration, decided by the script's own rules
(``fastpath.decide``). Every answer therefore reflects Redis at a moment after the attempt arrived: a gateway
never refuses from its local view of the room state alone, because that view cannot know whether a retried
key already succeeded through another connection or gateway. Refusals stay cheap (no script, a few bytes
per attempt) and a stale "sold out" is corrected by the snapshot itself (stock given back by an expired
order is sold again).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, cast

import msgspec
from redis.exceptions import RedisError

from .. import replies
from ..core.outcome import Refusal, RefusedError, Subject, from_script, refusal
from ..protocol.codes import ErrorCode
from ..protocol.events import SaleEvent
from ..protocol.ids import SALE_ID
from ..protocol.limits import MAX_QTY
from ..protocol.state import SaleState
from ..runtime import Runtime
from ..storage.audit import audit
from .buying import Purchases
from .ids import new_sale_id
from .model import SaleSpec, sale_state, valid_key, validate_spec
from .sale_keys import SaleKeys
from .stock import StockPublisher

log = logging.getLogger(__name__)


def ms_to_dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


class SalesService:
    def __init__(self, rt: Runtime, *, stock_interval_s: float = 0.05, idem_ttl_s: int = 86400,
                 order_ttl_s: int = 7 * 86400) -> None:
        self.rt = rt
        self.k = SaleKeys(rt.keys)
        self.stock = StockPublisher(rt, stock_interval_s)
        self.idem_ttl_s = idem_ttl_s
        self.order_ttl_s = order_ttl_s
        # a storm's attempts share round trips; in-flight round trips (and pooled connections) are bounded
        self.purchases = Purchases(rt, idem_ttl_s=idem_ttl_s, order_ttl_s=order_ttl_s)

    def now_ms(self) -> int:
        return int(self.rt.clock.now() * 1000)

    # -- host actions ----------------------------------------------------------------------------------
    async def create(self, room: str, spec: SaleSpec, actor: str) -> dict[str, Any]:
        """Create a sale: PostgreSQL row + audit first, then Redis.

        PostgreSQL is the record: an id it already holds is refused (``already``) unless the request is the
        identical definition of a sale that has not started (a retried create); nothing is ever re-seeded or
        overwritten. A sale PostgreSQL holds but Redis lost comes back only through ``livecore restore``."""
        now = self.now_ms()
        problem = validate_spec(spec, now)
        if problem:
            raise RefusedError(ErrorCode.INVALID, problem)
        sale_id = spec.id or new_sale_id()
        starts = now if spec.starts_at is None else spec.starts_at
        if self.rt.db is None:
            raise RefusedError(ErrorCode.UNAVAILABLE, "no database in this process")
        async with self.rt.db.acquire() as conn, conn.transaction():
            inserted = await conn.fetchval(
                """INSERT INTO sales (id, room_id, product_id, sku_id, title, price, quantity, per_user,
                                      starts_at, ends_at, created_by)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                   ON CONFLICT (id) DO NOTHING RETURNING id""",
                sale_id, room, spec.product, spec.sku, spec.title, spec.price, spec.quantity, spec.per_user,
                ms_to_dt(starts), ms_to_dt(spec.ends_at), actor)
            if inserted is None:
                row = await conn.fetchrow("SELECT * FROM sales WHERE id = $1", sale_id)
                why = _differs(row, room, spec, starts, now)
                if why:
                    raise RefusedError(ErrorCode.ALREADY, f"sale {sale_id} already exists: {why}")
            else:
                await audit(conn, room, actor, "sale.create", {"sale": sale_id, "product": spec.product,
                                  "price": spec.price, "quantity": spec.quantity, "per_user": spec.per_user,
                                  "starts_at": starts, "ends_at": spec.ends_at})
        created = await self.rt.scripts.call(
            "sale_create",
            keys=[self.k.sale(room, sale_id), self.k.stock(room, sale_id), self.k.room_sales(room)],
            args=[sale_id, spec.quantity, "room", room, "product", spec.product, "sku", spec.sku,
                  "title", spec.title, "price", spec.price, "per_user", spec.per_user,
                  "starts_at", starts, "ends_at", spec.ends_at],
        )
        pipe = self.rt.redis.pipeline(transaction=False)
        pipe.sadd(self.k.order_rooms(), room)
        pipe.sadd(self.k.interaction_rooms(), room)
        pipe.zadd(self.k.sale_timeline(), {_member(room, sale_id): starts})
        await pipe.execute()
        if created:
            await self.stock.publish_now(room, sale_id)
            if await self.advance(room, sale_id) == "":
                state = await self.state(room, sale_id)
                await self.rt.bus.set_state(room, {f"sale:{sale_id}": state})
                await self.rt.bus.publish_reliable(room, SaleEvent(ts=self.now_ms(), sale=sale_id,
                                                                   phase="scheduled", data=_builtins(state)))
        view = await self.get(room, sale_id)
        assert view is not None
        return view

    async def start(self, room: str, sale: str, actor: str) -> dict[str, Any]:
        return await self._window(room, sale, "start", actor)

    async def stop(self, room: str, sale: str, actor: str) -> dict[str, Any]:
        return await self._window(room, sale, "stop", actor)

    async def _window(self, room: str, sale: str, action: str, actor: str) -> dict[str, Any]:
        now = self.now_ms()
        edges = await self.rt.scripts.call("sale_window", keys=[self.k.sale(room, sale)], args=[action, now])
        if not edges:
            raise RefusedError(ErrorCode.NOT_FOUND, "no such sale")
        if self.rt.db is not None:
            async with self.rt.db.acquire() as conn, conn.transaction():
                if action == "stop":
                    await conn.execute("UPDATE sales SET stopped_at = $2 WHERE id = $1 AND stopped_at IS NULL",
                                       sale, ms_to_dt(now))
                await audit(conn, room, actor, f"sale.{action}", {"sale": sale, "at": now})
        await self.advance(room, sale)
        view = await self.get(room, sale)
        assert view is not None
        return view

    # -- schedule ----------------------------------------------------------------------------------------
    async def advance(self, room: str, sale: str) -> str:
        """Announce the sale's start or end if its time has come (exactly once across processes).

        Returns the phase announced now (``started`` / ``ended``), ``retired`` when the sale left the room state
        now (``state_grace_s`` after its end; its keys then expire after ``sale_retention_s``) or ``""``.
        Keeps the global timeline (read by the sale scheduler in ``livecore worker``) pointing at the sale's
        next edge.
        """
        now = self.now_ms()
        s = self.rt.settings
        k = self.k
        keys = [k.sale(room, sale), k.stock(room, sale), k.users(room, sale), k.sale_orders(room, sale)]
        phase = (await self.rt.scripts.call("sale_advance", keys=keys,
                                            args=[now, s.state_grace_s * 1000, s.sale_retention_s])).decode()
        member = _member(room, sale)
        if phase in ("retired", "final"):  # "final" too: a retirer that died before this line is finished here
            await self.rt.bus.set_state(room, {f"sale:{sale}": None, f"stock:{sale}": None})
        if phase in ("retired", "final", "not_found"):
            await self.rt.redis.zrem(self.k.sale_timeline(), member)
            return "retired" if phase == "retired" else ""
        state = await self.state(room, sale)
        if state is None:
            return ""
        if state.phase == "ended":
            due = state.ends_at + s.state_grace_s * 1000  # then it leaves the room state
        else:
            due = state.starts_at if state.phase == "scheduled" else state.ends_at
        await self.rt.redis.zadd(self.k.sale_timeline(), {member: due})
        if phase in ("started", "ended"):
            await self.rt.bus.set_state(room, {f"sale:{sale}": state})
            await self.rt.bus.publish_reliable(room, SaleEvent(ts=now, sale=sale, phase=phase,
                                                               data=_builtins(state)))
        return phase

    async def due(self, limit: int = 200) -> list[tuple[str, str]]:
        """Sales whose next edge has passed: ``(room, sale)`` pairs for the scheduler."""
        members = replies.members(await self.rt.redis.zrangebyscore(self.k.sale_timeline(), "-inf", self.now_ms(),
                                                                    start=0, num=limit))
        out = []
        for m in members:
            room, _, sale = m.decode().rpartition("|")
            out.append((room, sale))
        return out

    # -- reads ---------------------------------------------------------------------------------------------
    async def state(self, room: str, sale: str) -> SaleState | None:
        """The sale's ``sale:<id>`` room state value, None when Redis does not know it."""
        pipe = self.rt.redis.pipeline(transaction=False)
        pipe.hgetall(self.k.sale(room, sale))
        pipe.get(self.k.stock(room, sale))
        fields, stock = await pipe.execute()
        if not fields:
            return None
        return sale_state(sale, fields, int(stock or 0), self.now_ms())

    async def get(self, room: str, sale: str) -> dict[str, Any] | None:
        """``state`` as a JSON object (the API's answer)."""
        state = await self.state(room, sale)
        return None if state is None else _builtins(state)

    async def list(self, room: str) -> list[dict[str, Any]]:
        ids = sorted(replies.text(s) for s in await self.rt.redis.smembers(self.k.room_sales(room)))
        views = [await self.get(room, s) for s in ids]
        gone = [s for s, v in zip(ids, views, strict=True) if v is None]  # retired and expired
        if gone:
            await self.rt.redis.srem(self.k.room_sales(room), *gone)
        return sorted((v for v in views if v), key=lambda v: (v["starts_at"], v["id"]))

    # -- the purchase ----------------------------------------------------------------------------------------
    async def buy(self, room: str, user: str, sale: str, key: str, qty: int = 1) -> dict[str, Any] | Refusal:
        """Decide one purchase attempt. A retry with the same ``key`` returns the first successful answer."""
        if not SALE_ID.fullmatch(sale) or not valid_key(key) or not user or not 1 <= qty <= MAX_QTY:
            return refusal(ErrorCode.INVALID, about=Subject.SALE)
        now = self.now_ms()
        try:
            res = await self.purchases.decide(room, user, sale, key, qty, now)
        except (TimeoutError, RedisError, OSError) as exc:
            # the batcher already sent the attempt a second time after a connection error (safe: the
            # idempotency key replays a first call that did run); a retry by the client is safe too
            log.warning("buy %s/%s failed: %s", room, sale, exc)
            res = None
        if res is None:
            return refusal(ErrorCode.UNAVAILABLE, about=Subject.SALE)
        if res[0] != b"ok":
            refused = from_script(cast(bytes, res[1]), Subject.SALE)
            if refused.code is ErrorCode.NOT_FOUND and await self.lost(room, sale):
                return refusal(ErrorCode.UNAVAILABLE, "this sale is being restored; retry with the same key")
            return refused
        replayed = bool(res[5])
        if not replayed:
            self.stock.notify(room, sale)
            if res[6]:
                await self._sold_out(room, sale, now)
        return {"ok": True, "order": cast(bytes, res[1]).decode(), "sale": sale, "qty": qty, "amount": int(res[3]),
                "expires_at": int(res[4]), "stock": int(res[2]), "replayed": replayed}

    async def lost(self, room: str, sale: str) -> bool:
        """A sale Redis does not know: lost with Redis's data (answer ``unavailable``) or really unknown?

        With a database: PostgreSQL holds it and it has not ended. Without (a gateway): Redis came back empty
        and has not been restored yet (``livecore.generation``)."""
        if self.rt.db is not None and SALE_ID.fullmatch(sale):
            try:
                return bool(await self.rt.db.fetchval(
                    "SELECT true FROM sales WHERE id = $1 AND room_id = $2 AND ends_at > $3 AND stopped_at IS NULL",
                    sale, room, ms_to_dt(self.now_ms())))
            except Exception as exc:
                log.warning("sale %s/%s: PostgreSQL check failed (%s)", room, sale, exc)
        generation = self.rt.generation
        return generation is not None and await generation.commerce_blocked()

    async def _sold_out(self, room: str, sale: str, now: int) -> None:
        try:
            await self.stock.publish_now(room, sale)
            await self.rt.bus.publish_reliable(room, SaleEvent(ts=now, sale=sale, phase="sold_out"))
        except (RedisError, OSError) as exc:
            log.warning("sold-out announcement for %s/%s failed: %s", room, sale, exc)

    async def close(self) -> None:
        await self.purchases.close()
        await self.stock.flush()


def _differs(row: Any, room: str, spec: SaleSpec, starts: int, now: int) -> str:
    """Why creating ``spec`` again over the existing PostgreSQL ``row`` is refused ('' when it is a retry)."""
    if row["room_id"] != room:
        return "it belongs to another room"
    same = (row["product_id"], row["sku_id"], row["title"], int(row["price"]), int(row["quantity"]),
            int(row["per_user"]), _ms(row["starts_at"]), _ms(row["ends_at"])) == (
        spec.product, spec.sku, spec.title, spec.price, spec.quantity, spec.per_user, starts, spec.ends_at)
    if not same:
        return "with a different definition"
    if row["stopped_at"] is not None or now >= _ms(row["starts_at"]):
        return "it has started"
    return ""


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _builtins(state: SaleState | None) -> dict[str, Any]:
    return {} if state is None else cast(dict[str, Any], msgspec.to_builtins(state))


def _member(room: str, sale: str) -> str:
    return f"{room}|{sale}"
