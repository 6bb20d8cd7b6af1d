"""Rooms over HTTP: the configuration pages read, the gift catalogue, the demo login, a room itself, the
console's start-up load, and the audit log. The room's cart and screen, its live sessions and its moderation
have route modules of their own (``products_routes``, ``live_routes``, ``moderation_routes``); each
translates requests into calls of ``livecore.rooms``.

Every write is a host action (``deps.host_call``: the host of that room or an admin) and leaves an
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
    GET    /api/rooms/{room}/audit?n=               the newest audit rows

Errors are ``{"error": {"code", "message"}}`` (see ``deps.py``).
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import Role, issue
from ..core.gifts import GiftCatalogue
from ..people import PeopleStore
from ..protocol.codes import ErrorCode
from ..protocol.ids import ROOM_ID_RULE, valid_room_id
from ..ranking.created import mark_all_created, mark_created
from ..rooms import rules
from ..rooms.live import LiveSessions
from ..rooms.moderation import RoomModeration
from ..rooms.products import ProductStore
from ..rooms.store import RoomStore, card
from ..runtime import Runtime
from ..storage.audit import audit
from .deps import ApiError, body, database, host_call, json, limit, require_host, runtime


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


# -- public --------------------------------------------------------------------------------------------
async def config(request: Request) -> Response:
    s = runtime(request).settings
    url = s.gateway_public_url
    if not url:
        host = request.url.hostname or s.host
        url = f"ws://{host}:{s.gateway_port}/ws"
    return json({"gateway_url": url, "demo": s.demo, "heartbeat_s": s.heartbeat_s})


async def gifts(request: Request) -> Response:
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
    row = await RoomStore(database(rt)).load(room)
    state = await rt.bus.state(room)
    out = card(row, with_words=False)
    out.update(live=bool(state.get("live")), session=state.get("session"))
    if "demo_host" in state:  # the demo's scripted host: running | paused | off (api/demo_routes.py)
        out["demo_host"] = state["demo_host"]
    return json(out)


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
    title, words = rules.title(data.title), rules.words(data.words)
    db = database(rt)
    row, created = await RoomStore(db).save(room, user=who.user, name=who.name, admin=who.role is Role.ADMIN,
                                            title=title, cover=data.cover, words=words)
    await rt.bus.set_state(room, {"title": title, "cover": data.cover})
    await mark_created(rt.redis, rt.keys, [room])  # it may be joined and enter the platform rankings
    await RoomModeration(rt).set_words(room, words)
    await audit(db, room, who.user, "room.save", {"title": title, "cover": data.cover, "words": len(words)})
    return json(card(row, with_words=True), status=201 if created else 200)


async def patch_room(request: Request) -> Response:
    call = host_call(request)
    data: RoomPatch = await body(request, RoomPatch)
    change: dict[str, Any] = {}
    if data.title is not None:
        change["title"] = rules.title(data.title)
    if data.cover is not None:
        change["cover"] = data.cover.strip()
    if not change:
        raise ApiError(ErrorCode.INVALID, "nothing to change: give title or cover")
    row = await RoomStore(call.db).update(call.room, title=change.get("title"), cover=change.get("cover"))
    await call.rt.bus.set_state(call.room, change)
    await call.audit("room.update", change)
    return json(card(row, with_words=True))


async def console_bootstrap(request: Request) -> Response:
    call = host_call(request)
    rt, room, who = call.rt, call.room, call.who
    row = await RoomStore(call.db).load(room)
    return json({
        "room": card(row, with_words=True),
        "me": {"user": who.user, "name": who.name, "role": who.role.value},
        "state": await rt.bus.state(room),
        "products": await ProductStore(call.db).list(room),
        "sessions": await LiveSessions(rt, call.db).list(room, 20),
        "muted": await RoomModeration(rt).muted(room),
    })


async def audit_rows(request: Request) -> Response:
    call = host_call(request)
    return json(await RoomStore(call.db).audit_rows(call.room, limit(request, 50)))


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
        Route(r + "/audit", audit_rows),
    ]
