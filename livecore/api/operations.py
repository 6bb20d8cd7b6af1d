"""What each HTTP route takes and answers, for the generated OpenAPI document (``livecore.contracts.openapi``).

Keyed by the route's endpoint (the handler in the route modules' ``routes()`` tables), so a route without an
entry, or an entry without a route, fails the contract test. The core routes are listed here; each feature's
route module keeps its own ``OPERATIONS`` beside its routes (``livecore.api.op``), merged in below. Request
bodies are the msgspec Structs the handlers decode; answers are the small Structs below where the shape is
fixed, else a JSON object.
"""

from __future__ import annotations

import importlib
from typing import Any

import msgspec

from ..features import registry
from ..rooms.products import ProductIn, ProductPatch
from . import (
    demo_routes,
    docs_routes,
    health,
    live_routes,
    metrics,
    moderation_routes,
    pages,
    products_routes,
    ranking_routes,
    rooms_routes,
)
from .live_routes import LiveIn
from .moderation_routes import MuteIn, PinIn, UserIn, WordsIn
from .op import DB, SESSION, N, Op, Param
from .rooms_routes import LoginIn, RoomIn, RoomPatch


# -- answers with a fixed shape ------------------------------------------------------------------------------
class ErrorDetail(msgspec.Struct):
    code: str  # an ErrorCode value of the WebSocket protocol, or ``unauthorized``
    message: str


class ErrorBody(msgspec.Struct):
    error: ErrorDetail


class Ok(msgspec.Struct):
    ok: bool


class ConfigOut(msgspec.Struct):
    gateway_url: str
    demo: bool


class GiftOut(msgspec.Struct):
    id: str
    name: str
    price: int  # cents


class LoginOut(msgspec.Struct):
    token: str
    user: str
    name: str
    role: str
    room: str | None


class RoomOut(msgspec.Struct, omit_defaults=True):
    id: str
    host: str
    title: str
    cover: str
    words: list[str] = []


class SessionOut(msgspec.Struct):
    id: str
    title: str
    started_at: int | None
    ended_at: int | None


class MutedOut(msgspec.Struct):
    user: str
    until: int
    name: str = ""  # the display name the user's token carries (the user id when unknown)


class WordsOut(msgspec.Struct):
    words: list[str]


class ReadyOut(msgspec.Struct):
    ok: bool
    checks: dict[str, bool]


_R, _PR, _L, _M, _RK = rooms_routes, products_routes, live_routes, moderation_routes, ranking_routes
_DB = DB

OPERATIONS: dict[Any, Op] = {
    # health, metrics, pages
    health.healthz: Op("liveness", returns=Ok, tags=("ops",)),
    health.readyz: Op("readiness: Redis and PostgreSQL reachable", returns=ReadyOut, errors=(503,), tags=("ops",)),
    metrics.metrics_endpoint: Op("Prometheus metrics", media="text/plain", tags=("ops",)),
    pages.to_console: Op("redirects to the console", ok=307, media="", tags=("pages",)),
    pages.console: Op("the host console page", media="text/html", tags=("pages",)),
    pages.viewer: Op("the viewer page of a room", media="text/html", tags=("pages",)),
    pages.favicon: Op("the site icon (SVG)", media="image/svg+xml", tags=("pages",)),
    pages.feature_modules: Op("the ES module loading the registered features' console panels or viewer widgets",
                              media="text/javascript", errors=(404,), tags=("pages",)),
    demo_routes.set_demo_host: Op("the demo's scripted host switch (demo mode only; 404 otherwise)", auth="host",
                                  body=demo_routes.DemoHostIn, errors=(404, *_DB), tags=("rooms",)),
    docs_routes.openapi: Op("this document (OpenAPI 3.1)", tags=("ops",)),
    docs_routes.docs: Op("a page listing the operations", media="text/html", tags=("ops",)),
    # rooms
    _R.config: Op("where the gateway is, and whether this is a demo", returns=ConfigOut, tags=("rooms",)),
    _R.gifts: Op("the gift catalogue", returns=list[GiftOut], tags=("rooms",)),
    _R.dev_login: Op("mint a token (demo mode only; 404 otherwise)", body=LoginIn, returns=LoginOut,
                     errors=(404,), tags=("rooms",)),
    _R.create_room: Op("create or update a room (201 when created)", auth="host", body=RoomIn, returns=RoomOut,
                       errors=(201, 409, *_DB), tags=("rooms",)),
    _R.get_room: Op("the public room card: id, title, cover, live, session", errors=_DB, tags=("rooms",)),
    _R.patch_room: Op("change the title or cover", auth="host", body=RoomPatch, returns=RoomOut, errors=_DB,
                      tags=("rooms",)),
    _R.console_bootstrap: Op("everything the console loads at start: room, me, state, products, sessions, muted",
                             auth="host", errors=_DB, tags=("rooms",)),
    _PR.list_products: Op("the cart", errors=_DB, tags=("products",)),
    _PR.add_product: Op("add a product to the cart", auth="host", body=ProductIn, ok=201, errors=(409, *_DB),
                       tags=("products",)),
    _PR.patch_product: Op("change a product", auth="host", body=ProductPatch, errors=_DB, tags=("products",)),
    _PR.delete_product: Op("remove a product (409 in_use when a sale refers to it)", auth="host", returns=Ok,
                          errors=(409, *_DB), tags=("products",)),
    _PR.push_product: Op("put a product on screen (讲解中)", auth="host", errors=_DB, tags=("products",)),
    _PR.clear_screen: Op("nothing on screen", auth="host", returns=Ok, errors=_DB, tags=("products",)),
    _L.live_start: Op("start a live session (409 already when live)", auth="host", body=LiveIn, body_optional=True,
                      ok=201, returns=SessionOut, errors=(409, *_DB), tags=("live",)),
    _L.live_end: Op("end the live session (409 not_live)", auth="host", returns=SessionOut, errors=(409, *_DB),
                    tags=("live",)),
    _L.list_sessions: Op("live sessions, newest first", auth="host", query=(N,), returns=list[SessionOut],
                         errors=(400, *_DB), tags=("live",)),
    _R.audit_rows: Op("the newest audit rows", auth="host", query=(N,), errors=(400, *_DB), tags=("moderation",)),
    _M.mute: Op("mute a viewer", auth="host", body=MuteIn, returns=MutedOut, errors=_DB, tags=("moderation",)),
    _M.unmute: Op("unmute a viewer", auth="host", body=UserIn, returns=Ok, errors=_DB, tags=("moderation",)),
    _M.muted: Op("muted viewers", auth="host", returns=list[MutedOut], errors=_DB, tags=("moderation",)),
    _M.delete_message: Op("remove a barrage message from every screen", auth="host", returns=Ok, errors=_DB,
                          tags=("moderation",)),
    _M.pin: Op("pin a message or a text (置顶); {} unpins", auth="host", body=PinIn, body_optional=True,
               errors=_DB, tags=("moderation",)),
    _M.get_words: Op("the room's own sensitive words", auth="host", returns=WordsOut, errors=_DB,
                     tags=("moderation",)),
    _M.put_words: Op("replace the room's own sensitive words", auth="host", body=WordsIn, returns=WordsOut,
                     errors=_DB, tags=("moderation",)),
    # rankings, metrics, report
    _RK.hot: Op("platform hot ranking (人气榜)", query=(N,), errors=(400, *_DB), tags=("rankings",)),
    _RK.hourly_ranking: Op("hourly gift ranking (小时榜)", query=(
        Param("hour", str, "an hour index or an ISO date-time; default now"), N), errors=(400, *_DB),
        tags=("rankings",)),
    _RK.room_rank: Op("the room's position in both rankings", errors=_DB, tags=("rankings",)),
    _RK.metrics: Op("live metrics: online, peak, UV, totals, funnel", auth="host", errors=_DB, tags=("rankings",)),
    _RK.contributors: Op("gift value per viewer in the session", query=(N, SESSION), errors=(400, *_DB),
                         tags=("rankings",)),
    _RK.products: Op("products by paid GMV and by units", query=(N, SESSION), errors=(400, *_DB),
                     tags=("rankings",)),
    _RK.keywords: Op("barrage keywords of the sliding window", errors=_DB, tags=("rankings",)),
    _RK.report: Op("the post-live report of a session", auth="host", errors=_DB, tags=("rankings",)),
    _RK.report_png: Op("the report's curves and figures as a PNG chart", auth="host", media="image/png",
                       query=(Param("lang", str, "zh (default) or en: the chart's labels"),), errors=_DB,
                       tags=("rankings",)),
}


def _feature_operations() -> dict[Any, Op]:
    out: dict[Any, Op] = {}
    for name in registry.route_modules():
        out.update(importlib.import_module(name).OPERATIONS)
    return out


OPERATIONS.update(_feature_operations())
