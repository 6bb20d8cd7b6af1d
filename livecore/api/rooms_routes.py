"""Room management for the host of a room: the room itself, its cart, the screen, live sessions, moderation.

Every write is a host action (``require_host``: the host of that room or an admin) and leaves an
``audit_log`` row. Room-facing effects go through the room bus so that every viewer sees them within a tick:
latest-value-wins state (``title``, ``cover``, ``live``, ``session``, ``product``) plus a reliable event for
the moments a viewer who reconnects must not miss (``LiveEvent``, ``ProductEvent``).

Endpoints (JSON; money in integer cents; times in epoch milliseconds):

    GET    /api/config                              {"gateway_url", "demo", "heartbeat_s"}  (public)
    GET    /api/gifts                               the gift catalogue [{id, name, price}]   (public)
    POST   /api/dev/login                           {"user","name","role","room"} -> {"token", ...}   (demo only)
    POST   /api/rooms                               {"id","title","cover","words"} -> room   (host of id / admin)
    GET    /api/rooms/{room}                        public room card: id, title, cover, live, session, demo_host?
    PATCH  /api/rooms/{room}                        {"title"?, "cover"?} -> room
    GET    /api/rooms/{room}/console                everything the console loads at start: room (with words),
                                                    state, products, sessions, muted
    GET    /api/rooms/{room}/products               the cart (public): [{id,title,image,price,list_price,position,skus}]
    POST   /api/rooms/{room}/products               {"title","price","list_price"?,"image"?,"skus"?:[{"title","price"}]}
    PATCH  /api/rooms/{room}/products/{pid}         {"title"?, "price"?, "list_price"?, "image"?, "position"?}
    DELETE /api/rooms/{room}/products/{pid}         409 in_use when a sale refers to it
    POST   /api/rooms/{room}/products/{pid}/push    put it on screen (讲解中); replaces the previous one
    POST   /api/rooms/{room}/screen/clear           nothing on screen
    POST   /api/rooms/{room}/live/start             {"title"?} -> session; 409 already when live
    POST   /api/rooms/{room}/live/end               -> session with ended_at; 409 not_live when not live
    GET    /api/rooms/{room}/sessions               [{id,title,started_at,ended_at}] newest first
    GET    /api/rooms/{room}/audit?n=               the newest audit rows
    POST   /api/rooms/{room}/mute                   {"user","seconds"?}
    POST   /api/rooms/{room}/unmute                 {"user"}
    GET    /api/rooms/{room}/muted                  [{user, name, until}]
    POST   /api/rooms/{room}/messages/{msg}/delete  removes a barrage message from every screen
    POST   /api/rooms/{room}/pin                    {"msg"?, "text"?} (置顶); {} unpins
    GET    /api/rooms/{room}/words                  {"words": [...]}
    PUT    /api/rooms/{room}/words                  {"words": [...]} the room's own sensitive words

Errors are ``{"error": {"code", "message"}}`` (see ``deps.py``).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import asyncpg
import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import Role, issue
from ..core import modrules
from ..people import PeopleStore
from ..protocol.codes import ErrorCode
from ..protocol.events import LiveEvent, ProductEvent
from ..protocol.ids import ROOM_ID_RULE, valid_room_id
from ..protocol.state import ProductState
from ..ranking.created import mark_all_created, mark_created
from ..ranking.names import SESSION_KEYS_TTL_S, RankKeys
from ..runtime import Runtime
from ..storage.audit import audit
from .deps import ApiError, body, json, require_host, runtime
from .deps import database as _db

MAX_TITLE = 80
MAX_WORDS = 500


# -- request bodies ------------------------------------------------------------------------------------
class LoginIn(msgspec.Struct, forbid_unknown_fields=False):
    user: str
    name: str = ""
    role: str = "viewer"
    room: str | None = None


class RoomIn(msgspec.Struct, forbid_unknown_fields=False):
    id: str
    title: str = ""
    cover: str = ""
    words: list[str] = []


class RoomPatch(msgspec.Struct, forbid_unknown_fields=False):
    title: str | None = None
    cover: str | None = None


class SkuIn(msgspec.Struct, forbid_unknown_fields=False):
    title: str = ""
    price: int | None = None
    id: str | None = None


class ProductIn(msgspec.Struct, forbid_unknown_fields=False):
    title: str
    price: int
    list_price: int | None = None
    image: str = ""
    position: int | None = None
    skus: list[SkuIn] = []
    id: str | None = None


class ProductPatch(msgspec.Struct, forbid_unknown_fields=False):
    title: str | None = None
    price: int | None = None
    list_price: int | None = None
    image: str | None = None
    position: int | None = None


class LiveIn(msgspec.Struct, forbid_unknown_fields=False):
    title: str | None = None


class MuteIn(msgspec.Struct, forbid_unknown_fields=False):
    user: str
    seconds: int = 600


class UserIn(msgspec.Struct, forbid_unknown_fields=False):
    user: str


class PinIn(msgspec.Struct, forbid_unknown_fields=False):
    msg: str | None = None
    text: str | None = None


class WordsIn(msgspec.Struct, forbid_unknown_fields=False):
    words: list[str]


# -- helpers -------------------------------------------------------------------------------------------
def _ms(value: Any) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def _new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:12]


def _clean_words(words: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        w = w.strip()
        if w and w not in out:
            out.append(w[:30])
    if len(out) > MAX_WORDS:
        raise ApiError(ErrorCode.INVALID, f"at most {MAX_WORDS} words")
    return out


def _room_row(row: asyncpg.Record, *, with_words: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"id": row["id"], "host": row["host_id"], "title": row["title"], "cover": row["cover_url"]}
    if with_words:
        out["words"] = list(row["words"])
    return out


async def _load_room(rt: Runtime, room: str) -> asyncpg.Record:
    row = await _db(rt).fetchrow("SELECT * FROM rooms WHERE id = $1", room)
    if row is None:
        raise ApiError(ErrorCode.NOT_FOUND, f"room {room} does not exist")
    return row


async def _products(rt: Runtime, room: str) -> list[dict[str, Any]]:
    rows = await _db(rt).fetch(
        "SELECT p.*, COALESCE(json_agg(json_build_object('id', s.id, 'title', s.title, 'price', s.price) "
        "ORDER BY s.id) FILTER (WHERE s.id IS NOT NULL), '[]') AS skus "
        "FROM products p LEFT JOIN skus s ON s.product_id = p.id WHERE p.room_id = $1 "
        "GROUP BY p.id ORDER BY p.position, p.created_at", room)
    return [_product_row(r) for r in rows]


def _product_row(r: asyncpg.Record) -> dict[str, Any]:
    skus = r.get("skus", [])
    price = min((s["price"] for s in skus), default=r["list_price"])
    return {"id": r["id"], "title": r["title"], "image": r["image_url"], "list_price": r["list_price"],
            "price": price, "position": r["position"], "skus": skus}


async def _product(rt: Runtime, room: str, pid: str) -> dict[str, Any]:
    for p in await _products(rt, room):
        if p["id"] == pid:
            return p
    raise ApiError(ErrorCode.NOT_FOUND, f"product {pid} is not in room {room}")


def _check_title(title: str) -> str:
    title = title.strip()
    if len(title) > MAX_TITLE:
        raise ApiError(ErrorCode.INVALID, f"title longer than {MAX_TITLE} characters")
    return title


def _check_money(name: str, value: int | None) -> None:
    if value is not None and value < 0:
        raise ApiError(ErrorCode.INVALID, f"{name} must be >= 0 cents")


# -- public --------------------------------------------------------------------------------------------
async def config(request: Request) -> Response:
    s = runtime(request).settings
    url = s.gateway_public_url
    if not url:
        host = request.url.hostname or s.host
        url = f"ws://{host}:{s.gateway_port}/ws"
    return json({"gateway_url": url, "demo": s.demo, "heartbeat_s": s.heartbeat_s})


async def gifts(request: Request) -> Response:
    from ..core.gifts import GiftCatalogue
    return json([{"id": g.id, "name": g.name, "price": g.price} for g in GiftCatalogue()])


async def dev_login(request: Request) -> Response:
    rt = runtime(request)
    if not rt.settings.demo:
        raise ApiError(ErrorCode.NOT_FOUND, "dev login exists in demo mode only")
    data: LoginIn = await body(request, LoginIn)
    user = data.user.strip()
    if not user or len(user) > 64:
        raise ApiError(ErrorCode.INVALID, "user must be 1..64 characters")
    try:
        role = Role(data.role)
    except ValueError as exc:
        raise ApiError(ErrorCode.INVALID, f"unknown role {data.role!r}") from exc
    if role is Role.HOST and not data.room:
        raise ApiError(ErrorCode.INVALID, "a host token must name its room")
    room = data.room if role is Role.HOST else None
    token = issue(rt.settings.secret, user, role=role, name=data.name.strip() or user, room=room)
    await PeopleStore(rt.redis, rt.keys).remember(user, data.name.strip())
    return json({"token": token, "user": user, "name": data.name.strip() or user, "role": role.value, "room": room})


async def get_room(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    row = await _load_room(rt, room)
    state = await rt.bus.state(room)
    out = _room_row(row, with_words=False)
    out.update(live=bool(state.get("live")), session=state.get("session"))
    if "demo_host" in state:  # the demo's scripted host: running | paused | off (api/demo_routes.py)
        out["demo_host"] = state["demo_host"]
    return json(out)


async def list_products(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    await _load_room(rt, room)
    return json(await _products(rt, room))


# -- rooms ---------------------------------------------------------------------------------------------
async def register_rooms(rt: Runtime) -> None:
    """Every room in PostgreSQL into the set of created rooms, at start-up."""
    await mark_all_created(rt)


async def create_room(request: Request) -> Response:
    rt = runtime(request)
    data: RoomIn = await body(request, RoomIn)
    room = data.id.strip()
    if not valid_room_id(room):  # the gateway's rule for a join (``livecore.protocol.ids``)
        raise ApiError(ErrorCode.INVALID, f"room id must be {ROOM_ID_RULE}")
    who = require_host(request, room)
    title, words = _check_title(data.title), _clean_words(data.words)
    async with _db(rt).acquire() as conn, conn.transaction():
        existing = await conn.fetchrow("SELECT host_id FROM rooms WHERE id = $1", room)
        if existing is not None and existing["host_id"] != who.user and who.role is not Role.ADMIN:
            raise ApiError(ErrorCode.ALREADY, f"room {room} belongs to another host")
        host = existing["host_id"] if existing is not None else who.user
        await conn.execute("INSERT INTO hosts (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", host, who.name)
        row = await conn.fetchrow(
            "INSERT INTO rooms (id, host_id, title, cover_url, words) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, cover_url = EXCLUDED.cover_url, "
            "words = EXCLUDED.words RETURNING *", room, host, title, data.cover, words)
    await rt.bus.set_state(room, {"title": title, "cover": data.cover})
    await mark_created(rt.redis, rt.keys, [room])  # it may be joined and enter the platform rankings
    await _mod.set_words(rt, room, words)
    await audit(_db(rt), room, who.user, "room.save", {"title": title, "cover": data.cover, "words": len(words)})
    return json(_room_row(row, with_words=True), status=201 if existing is None else 200)


async def patch_room(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    who = require_host(request, room)
    data: RoomPatch = await body(request, RoomPatch)
    await _load_room(rt, room)
    change: dict[str, Any] = {}
    if data.title is not None:
        change["title"] = _check_title(data.title)
    if data.cover is not None:
        change["cover"] = data.cover.strip()
    if not change:
        raise ApiError(ErrorCode.INVALID, "nothing to change: give title or cover")
    row = await _db(rt).fetchrow(
        "UPDATE rooms SET title = COALESCE($2, title), cover_url = COALESCE($3, cover_url) WHERE id = $1 RETURNING *",
        room, change.get("title"), change.get("cover"))
    await rt.bus.set_state(room, change)
    await audit(_db(rt), room, who.user, "room.update", change)
    return json(_room_row(row, with_words=True))


async def console_bootstrap(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    who = require_host(request, room)
    row = await _load_room(rt, room)
    return json({
        "room": _room_row(row, with_words=True),
        "me": {"user": who.user, "name": who.name, "role": who.role.value},
        "state": await rt.bus.state(room),
        "products": await _products(rt, room),
        "sessions": await _sessions(rt, room, 20),
        "muted": await _mod.muted_or_empty(rt, room),
    })


# -- products ------------------------------------------------------------------------------------------
async def add_product(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    who = require_host(request, room)
    data: ProductIn = await body(request, ProductIn)
    title = data.title.strip()
    if not title or len(title) > 120:
        raise ApiError(ErrorCode.INVALID, "product title must be 1..120 characters")
    _check_money("price", data.price)
    _check_money("list_price", data.list_price)
    for s in data.skus:
        _check_money("sku price", s.price)
    await _load_room(rt, room)
    pid = data.id or _new_id("p")
    skus = data.skus or [SkuIn(title="默认", price=data.price)]
    async with _db(rt).acquire() as conn, conn.transaction():
        position = data.position
        if position is None:
            position = await conn.fetchval("SELECT COALESCE(max(position) + 1, 0) FROM products WHERE room_id = $1",
                                           room)
        try:
            await conn.execute(
                "INSERT INTO products (id, room_id, title, image_url, list_price, position) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                pid, room, title, data.image, data.list_price if data.list_price is not None else data.price, position)
        except asyncpg.UniqueViolationError as exc:
            raise ApiError(ErrorCode.ALREADY, f"product {pid} exists") from exc
        for i, s in enumerate(skus):
            await conn.execute("INSERT INTO skus (id, product_id, title, price) VALUES ($1, $2, $3, $4)",
                               s.id or f"{pid}-{i + 1}", pid, s.title or title,
                               s.price if s.price is not None else data.price)
    await audit(_db(rt), room, who.user, "product.add", {"product": pid, "title": title, "price": data.price})
    return json(await _product(rt, room, pid), status=201)


async def patch_product(request: Request) -> Response:
    rt = runtime(request)
    room, pid = request.path_params["room"], request.path_params["pid"]
    who = require_host(request, room)
    data: ProductPatch = await body(request, ProductPatch)
    _check_money("price", data.price)
    _check_money("list_price", data.list_price)
    await _product(rt, room, pid)
    async with _db(rt).acquire() as conn, conn.transaction():
        await conn.execute(
            "UPDATE products SET title = COALESCE($3, title), image_url = COALESCE($4, image_url), "
            "list_price = COALESCE($5, list_price), position = COALESCE($6, position) WHERE id = $1 AND room_id = $2",
            pid, room, data.title.strip() if data.title else None, data.image, data.list_price, data.position)
        if data.price is not None:
            await conn.execute("UPDATE skus SET price = $2 WHERE product_id = $1", pid, data.price)
    product = await _product(rt, room, pid)
    state = await rt.bus.state(room)
    if (state.get("product") or {}).get("id") == pid:  # keep the screen honest
        await rt.bus.set_state(room, {"product": _screen(product)})
    await audit(_db(rt), room, who.user, "product.update", {"product": pid, **msgspec.to_builtins(data)})
    return json(product)


async def delete_product(request: Request) -> Response:
    rt = runtime(request)
    room, pid = request.path_params["room"], request.path_params["pid"]
    who = require_host(request, room)
    await _product(rt, room, pid)
    try:
        async with _db(rt).acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM skus WHERE product_id = $1", pid)
            await conn.execute("DELETE FROM products WHERE id = $1 AND room_id = $2", pid, room)
    except asyncpg.ForeignKeyViolationError as exc:
        raise ApiError(ErrorCode.IN_USE, "a sale or order refers to this product; it stays in the cart") from exc
    state = await rt.bus.state(room)
    if (state.get("product") or {}).get("id") == pid:
        await _set_screen(rt, room, None)
    await audit(_db(rt), room, who.user, "product.remove", {"product": pid})
    return json({"ok": True})


def _screen(product: dict[str, Any]) -> ProductState:
    """What viewers see of the product on screen."""
    sku = product["skus"][0]["id"] if product["skus"] else None
    return ProductState(id=product["id"], title=product["title"], image=product["image"], price=product["price"],
                        list_price=product["list_price"], sku=sku, since=int(time.time() * 1000))


async def _set_screen(rt: Runtime, room: str, product: ProductState | None) -> None:
    await rt.bus.set_state(room, {"product": product})
    await rt.bus.publish_reliable(room, ProductEvent(ts=int(rt.clock.now() * 1000),
                                                     product=None if product is None else msgspec.to_builtins(product)))


async def push_product(request: Request) -> Response:
    rt = runtime(request)
    room, pid = request.path_params["room"], request.path_params["pid"]
    who = require_host(request, room)
    screen = _screen(await _product(rt, room, pid))
    await _set_screen(rt, room, screen)
    await audit(_db(rt), room, who.user, "product.push", {"product": pid})
    return json(screen)


async def clear_screen(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    who = require_host(request, room)
    await _load_room(rt, room)
    await _set_screen(rt, room, None)
    await audit(_db(rt), room, who.user, "product.clear")
    return json({"ok": True})


# -- live sessions -------------------------------------------------------------------------------------
def _session_row(r: asyncpg.Record) -> dict[str, Any]:
    return {"id": r["id"], "title": r["title"], "started_at": _ms(r["started_at"]), "ended_at": _ms(r["ended_at"])}


async def _sessions(rt: Runtime, room: str, n: int) -> list[dict[str, Any]]:
    rows = await _db(rt).fetch("SELECT * FROM live_sessions WHERE room_id = $1 ORDER BY started_at DESC LIMIT $2",
                               room, n)
    return [_session_row(r) for r in rows]


async def live_start(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    who = require_host(request, room)
    data: LiveIn = await body(request, LiveIn) if await request.body() else LiveIn()
    row = await _load_room(rt, room)
    title = _check_title(data.title) if data.title is not None else row["title"]
    sid = _new_id("s")
    async with _db(rt).acquire() as conn, conn.transaction():
        await conn.execute("SELECT 1 FROM rooms WHERE id = $1 FOR UPDATE", room)  # one start at a time
        if await conn.fetchval("SELECT 1 FROM live_sessions WHERE room_id = $1 AND ended_at IS NULL", room):
            raise ApiError(ErrorCode.ALREADY, "the room is already live; end the session first")
        session = await conn.fetchrow("INSERT INTO live_sessions (id, room_id, title) VALUES ($1, $2, $3) RETURNING *",
                                      sid, room, title)
        if title != row["title"]:
            await conn.execute("UPDATE rooms SET title = $2 WHERE id = $1", room, title)
    started = _ms(session["started_at"])
    await rt.bus.set_state(room, {"live": True, "session": sid, "title": title, "cover": row["cover_url"],
                                  "live_since": started})
    names = RankKeys(rt.keys)  # the viewers already in the room enter the new session (its funnel's first step)
    await rt.scripts.call("ranking_session_start", keys=[names.inside(room), names.funnel(room, sid, "enter")],
                          args=[started, SESSION_KEYS_TTL_S])
    await rt.bus.publish_reliable(room, LiveEvent(ts=int(rt.clock.now() * 1000), phase="started", session=sid,
                                                  title=title))
    await audit(_db(rt), room, who.user, "live.start", {"session": sid, "title": title})
    return json(_session_row(session), status=201)


async def live_end(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    who = require_host(request, room)
    await _load_room(rt, room)
    session = await _db(rt).fetchrow(
        "UPDATE live_sessions SET ended_at = now() WHERE room_id = $1 AND ended_at IS NULL RETURNING *", room)
    if session is None:
        raise ApiError(ErrorCode.NOT_LIVE, "the room is not live")
    await rt.bus.set_state(room, {"live": False, "product": None, "live_since": None})
    await rt.bus.publish_reliable(room, LiveEvent(ts=int(rt.clock.now() * 1000), phase="ended", session=session["id"],
                                                  title=session["title"]))
    await audit(_db(rt), room, who.user, "live.end", {"session": session["id"]})
    return json(_session_row(session))


async def list_sessions(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    require_host(request, room)
    return json(await _sessions(rt, room, _limit(request, 50)))


async def audit_rows(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    require_host(request, room)
    rows = await _db(rt).fetch("SELECT * FROM audit_log WHERE room_id = $1 ORDER BY id DESC LIMIT $2",
                               room, _limit(request, 50))
    return json([{"id": r["id"], "actor": r["actor"], "action": r["action"], "detail": r["detail"],
                  "at": _ms(r["at"])} for r in rows])


def _limit(request: Request, default: int) -> int:
    try:
        return max(1, min(500, int(request.query_params.get("n", default))))
    except ValueError as exc:
        raise ApiError(ErrorCode.INVALID, "n must be an integer") from exc


# -- moderation ----------------------------------------------------------------------------------------
class _Moderation:
    """The HTTP face of the shared moderation store the gateways enforce (``livecore.moderation.store``)."""

    @staticmethod
    def _store(rt: Runtime) -> Any:
        try:
            from ..moderation.store import ModerationStore
        except ImportError as exc:
            raise ApiError(ErrorCode.UNAVAILABLE, "moderation is not installed in this build") from exc
        return ModerationStore(rt.redis, rt.keys, rt.bus, rt.clock)

    async def mute(self, rt: Runtime, room: str, user: str, seconds: int, *, by: str) -> int:
        return int(await self._store(rt).mute(room, user, seconds, by=by) * 1000)

    async def unmute(self, rt: Runtime, room: str, user: str, *, by: str) -> None:
        await self._store(rt).unmute(room, user, by=by)

    async def muted(self, rt: Runtime, room: str) -> list[dict[str, Any]]:
        rows = await self._store(rt).muted(room)
        listed = [{"user": user, "until": int(until * 1000)} for user, until in sorted(rows.items())]
        return await PeopleStore(rt.redis, rt.keys).with_names(listed)  # the name beside the id

    async def muted_or_empty(self, rt: Runtime, room: str) -> list[dict[str, Any]]:
        try:
            return await self.muted(rt, room)
        except ApiError:
            return []

    async def delete(self, rt: Runtime, room: str, msg: str, *, by: str) -> None:
        await self._store(rt).delete_message(room, msg, by=by)

    async def pin(self, rt: Runtime, room: str, msg: str | None, text: str | None, *, by: str) -> Any:
        store = self._store(rt)
        if not msg and not text:
            await store.unpin(room)
            return None
        return await store.pin(room, msg, text, by=by)

    async def set_words(self, rt: Runtime, room: str, words: list[str]) -> None:
        try:
            store = self._store(rt)
        except ApiError:
            return  # PostgreSQL keeps the list; gateways get it once moderation is installed
        await store.set_words(room, words)


_mod = _Moderation()


async def mute(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    who = require_host(request, room)
    data: MuteIn = await body(request, MuteIn)
    if (problem := modrules.mute_problem(data.user, data.seconds)) is not None:
        raise ApiError(ErrorCode.INVALID, problem)
    until = await _mod.mute(rt, room, data.user, data.seconds, by=who.user)
    await audit(_db(rt), room, who.user, "mute", {"user": data.user, "seconds": data.seconds})
    return json({"user": data.user, "until": until})


async def unmute(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    who = require_host(request, room)
    data: UserIn = await body(request, UserIn)
    if (problem := modrules.user_problem(data.user)) is not None:
        raise ApiError(ErrorCode.INVALID, problem)
    await _mod.unmute(rt, room, data.user, by=who.user)
    await audit(_db(rt), room, who.user, "unmute", {"user": data.user})
    return json({"ok": True})


async def muted(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    require_host(request, room)
    return json(await _mod.muted(rt, room))


async def delete_message(request: Request) -> Response:
    rt = runtime(request)
    room, msg = request.path_params["room"], request.path_params["msg"]
    who = require_host(request, room)
    await _mod.delete(rt, room, msg, by=who.user)
    await audit(_db(rt), room, who.user, "delete", {"msg": msg})
    return json({"ok": True})


async def pin(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    who = require_host(request, room)
    data: PinIn = await body(request, PinIn) if await request.body() else PinIn()
    if (problem := modrules.pin_problem(data.msg, data.text)) is not None:
        raise ApiError(ErrorCode.INVALID, problem)
    pinned = await _mod.pin(rt, room, data.msg, modrules.pin_text(data.text), by=who.user)
    await audit(_db(rt), room, who.user, "pin" if pinned else "unpin", {"msg": data.msg, "text": data.text})
    return json({"pinned": pinned})


async def get_words(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    require_host(request, room)
    row = await _load_room(rt, room)
    return json({"words": list(row["words"])})


async def put_words(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    who = require_host(request, room)
    data: WordsIn = await body(request, WordsIn)
    words = _clean_words(data.words)
    await _load_room(rt, room)
    await _db(rt).execute("UPDATE rooms SET words = $2 WHERE id = $1", room, words)
    await _mod.set_words(rt, room, words)
    await audit(_db(rt), room, who.user, "words", {"count": len(words)})
    return json({"words": words})


def routes() -> list[BaseRoute]:
    r = "/api/rooms/{room}"
    return [
        Route("/api/config", config),
        Route("/api/gifts", gifts),
        Route("/api/dev/login", dev_login, methods=["POST"]),
        Route("/api/rooms", create_room, methods=["POST"]),
        Route(r, get_room, methods=["GET"]),
        Route(r, patch_room, methods=["PATCH"]),
        Route(r + "/console", console_bootstrap),
        Route(r + "/products", list_products, methods=["GET"]),
        Route(r + "/products", add_product, methods=["POST"]),
        Route(r + "/products/{pid}", patch_product, methods=["PATCH"]),
        Route(r + "/products/{pid}", delete_product, methods=["DELETE"]),
        Route(r + "/products/{pid}/push", push_product, methods=["POST"]),
        Route(r + "/screen/clear", clear_screen, methods=["POST"]),
        Route(r + "/live/start", live_start, methods=["POST"]),
        Route(r + "/live/end", live_end, methods=["POST"]),
        Route(r + "/sessions", list_sessions),
        Route(r + "/audit", audit_rows),
        Route(r + "/mute", mute, methods=["POST"]),
        Route(r + "/unmute", unmute, methods=["POST"]),
        Route(r + "/muted", muted),
        Route(r + "/messages/{msg}/delete", delete_message, methods=["POST"]),
        Route(r + "/pin", pin, methods=["POST"]),
        Route(r + "/words", get_words, methods=["GET"]),
        Route(r + "/words", put_words, methods=["PUT"]),
    ]
