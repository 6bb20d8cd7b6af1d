"""Share attribution and friends' help over HTTP.

    GET    /api/rooms/{room}/share/funnel   host: the share funnel per channel (codes, shares, visits, new viewers,
                                            joins, orders, GMV), the fission coefficient and the top referrers
    POST   /api/rooms/{room}/share/code     a token allowing the room: {"channel", "group"?} -> {"code", "link"}
    POST   /api/rooms/{room}/share/visit    a token allowing the room: {"code", "group"?, "via"?} -> the referrer
    GET    /api/rooms/{room}/share/help     public: the room's help campaign or null
    POST   /api/rooms/{room}/share/help     host: {"batch", "need", "title"?} -> the campaign (replaces the current)
    DELETE /api/rooms/{room}/share/help     host: end the campaign
    GET    /api/rooms/{room}/share/reconcile  host: Redis's share counts against PostgreSQL's, each difference named

Refusals answer ``{"error": {"code", "message"}}`` through the one status map (``bad_code``, ``self_referral``,
``referral_loop`` 409).
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ...api.deps import ApiError, app_service, body, json, require_host, require_room, runtime
from ...api.op import DB, Op
from ...core.outcome import Refusal
from ...protocol.codes import ErrorCode
from .help import HelpIn, HelpService
from .messages import Channel, Code, GroupId
from .reconcile import reconcile
from .service import ShareService


class CodeIn(msgspec.Struct, forbid_unknown_fields=True):
    channel: Channel = "link"
    group: GroupId | None = None


class VisitIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Code
    group: GroupId | None = None
    via: Literal["visit", "join"] = "visit"


def shares(request: Request) -> ShareService:
    return app_service(request, "share", ShareService)


def helps(request: Request) -> HelpService:
    return app_service(request, "share_help", HelpService)


async def funnel(request: Request) -> Response:
    room = request.path_params["room"]
    require_host(request, room)
    return json(await shares(request).funnel(room))


async def make_code(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_room(request, room)
    spec = await body(request, CodeIn)
    return json(await shares(request).make_code(room, who.user, spec.channel, spec.group), status=201)


async def visit(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_room(request, room)
    spec = await body(request, VisitIn)
    result = await shares(request).visit(room, who.user, spec.code, spec.group, spec.via)
    if isinstance(result, Refusal):
        raise ApiError.of(result)
    return json(result)


async def get_help(request: Request) -> Response:
    return json(await helps(request).campaign(request.path_params["room"]))


async def set_help(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_host(request, room)
    spec = await body(request, HelpIn)
    return json(await helps(request).set_campaign(room, spec, who.user), status=201)


async def end_help(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_host(request, room)
    if not await helps(request).end_campaign(room, who.user):
        raise ApiError(ErrorCode.ENDED, "no help campaign running")
    return json({"ok": True})


async def reconcile_share(request: Request) -> Response:
    room = request.path_params["room"]
    require_host(request, room)
    if runtime(request).db is None:
        raise ApiError(ErrorCode.UNAVAILABLE, "no database")
    return json(await reconcile(runtime(request), room))


def routes() -> list[BaseRoute]:
    return [
        Route("/api/rooms/{room}/share/funnel", funnel, methods=["GET"]),
        Route("/api/rooms/{room}/share/code", make_code, methods=["POST"]),
        Route("/api/rooms/{room}/share/visit", visit, methods=["POST"]),
        Route("/api/rooms/{room}/share/help", get_help, methods=["GET"]),
        Route("/api/rooms/{room}/share/help", set_help, methods=["POST"]),
        Route("/api/rooms/{room}/share/help", end_help, methods=["DELETE"]),
        Route("/api/rooms/{room}/share/reconcile", reconcile_share, methods=["GET"]),
    ]


OPERATIONS: dict[Any, Op] = {
    funnel: Op("the share funnel per channel, the fission coefficient and the top referrers", auth="host",
               errors=DB, tags=("share",)),
    make_code: Op("a signed share code and link for the room or a group", auth="token", body=CodeIn, ok=201,
                  errors=DB, tags=("share",)),
    visit: Op("record a visit (or a group join) through a share code: first touch wins within the window",
              auth="token", body=VisitIn, errors=(409, *DB), tags=("share",)),
    get_help: Op("the room's help campaign (好友助力), or null", errors=DB, tags=("share",)),
    set_help: Op("start a help campaign: N friends' helps unlock a coupon batch", auth="host", body=HelpIn, ok=201,
                 errors=(409, *DB), tags=("share",)),
    end_help: Op("end the room's help campaign", auth="host", errors=(409, *DB), tags=("share",)),
    reconcile_share: Op("the room's share counts in Redis against PostgreSQL, each difference named", auth="host",
                        errors=DB, tags=("share",)),
}
