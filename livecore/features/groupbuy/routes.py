"""Group-buy (拼团) over HTTP: the host's deals, viewers opening and joining groups, the groups themselves.

Endpoints (JSON; money in integer cents; times in epoch milliseconds; durations ``*_s`` in seconds):

    POST   /api/rooms/{room}/groupbuys                     host: create a deal (``DealIn``) -> the deal
    GET    /api/rooms/{room}/groupbuys                     public: the room's deals, newest first
    GET    /api/rooms/{room}/groupbuys/{deal}              public: one deal with its open groups
    GET    /api/rooms/{room}/groupbuys/{deal}/groups       host: every group of the deal with its members' orders
    POST   /api/rooms/{room}/groupbuys/{deal}/end          host: no more opens or joins
    POST   /api/rooms/{room}/groupbuys/{deal}/open         a token allowing the room: {"key"} -> the member's answer
    GET    /api/rooms/{room}/groups/{group}                public: one group (members, 差N人, status)
    POST   /api/rooms/{room}/groups/{group}/join           a token allowing the room: {"key", "share"?} -> the answer
    POST   /api/rooms/{room}/groups/{group}/pay            a member of the complete group: pay their order (simulated
                                                           provider) -> {"ok", "group", "deal", "order", "status":
                                                           "paid", "amount", "paid_at", "replayed"}

A member's answer: ``{"ok", "group", "deal", "order", "seq", "need", "deadline", "left", "status", "replayed"}``,
and for a join with a ``share`` code (not replayed) ``"share"``: ``new`` / ``kept`` (the attribution) or why nothing
was attributed (``self_referral``, ``referral_loop``, ``bad_code``).
Refusals answer 409 (``sold_out``, ``limit_reached``, ``ended``, ``not_started``, ``already``, ``group_closed``),
unknown ids 404, bad input 400, through the one status map. Paying answers 409 ``group_closed`` for a group that is
not complete, ``expired`` once the payment window (``LIVECORE_PAYMENT_WINDOW_S`` from the completion) has passed and
the order lapsed, 404 for a user who is not a member; paying again answers the payment (``replayed``), no new charge.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ...api.deps import ApiError, app_service, body, json, require_host, require_room
from ...api.op import DB, Op
from ...core.outcome import Refusal
from ...people import PeopleStore
from ...protocol.codes import ErrorCode
from ..share.messages import Code
from .model import DealIn
from .service import GroupBuyService

In = TypeVar("In", "KeyIn", "JoinIn")


def service(request: Request) -> GroupBuyService:
    return app_service(request, "groupbuy", GroupBuyService)


class KeyIn(msgspec.Struct):
    key: str


class JoinIn(msgspec.Struct):
    key: str
    share: Code | None = None  # the share code of the link the viewer came through; never refuses the join


async def create_deal(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_host(request, room)
    spec = await body(request, DealIn)
    return json(await service(request).create(room, spec, who.user), status=201)


async def list_deals(request: Request) -> Response:
    return json(await service(request).deals(request.path_params["room"]))


async def get_deal(request: Request) -> Response:
    deal = await service(request).deal(request.path_params["room"], request.path_params["deal"], groups=50)
    if deal is None:
        raise ApiError(ErrorCode.NOT_FOUND, "no such group deal")
    return json(deal)


async def deal_groups(request: Request) -> Response:
    room = request.path_params["room"]
    require_host(request, room)
    return json(await service(request).groups(room, request.path_params["deal"]))


async def end_deal(request: Request) -> Response:
    room, deal = request.path_params["room"], request.path_params["deal"]
    who = require_host(request, room)
    if not await service(request).end(room, deal, who.user):
        raise ApiError(ErrorCode.ENDED, "no open group deal with this id")
    return json(await service(request).deal(room, deal))


async def _member(request: Request, shape: type[In]) -> tuple[str, str, In]:
    room = request.path_params["room"]
    who = require_room(request, room)
    req = await body(request, shape)
    svc = service(request)
    await PeopleStore(svc.rt.redis, svc.rt.keys).remember(who.user, who.name)
    return room, who.user, req


def _answer(result: dict[str, Any] | Refusal) -> Response:
    if isinstance(result, Refusal):
        raise ApiError.of(result)
    return json(result)


async def open_group(request: Request) -> Response:
    room, user, req = await _member(request, KeyIn)
    return _answer(await service(request).open(room, user, request.path_params["deal"], req.key))


async def get_group(request: Request) -> Response:
    group = await service(request).group(request.path_params["room"], request.path_params["group"])
    if group is None:
        raise ApiError(ErrorCode.NOT_FOUND, "no such group")
    return json(group)


async def join_group(request: Request) -> Response:
    room, user, req = await _member(request, JoinIn)
    return _answer(await service(request).join(room, user, request.path_params["group"], req.key, req.share))


async def pay_group_order(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_room(request, room)
    return _answer(await service(request).pay(room, request.path_params["group"], who.user))


def routes() -> list[BaseRoute]:
    return [
        Route("/api/rooms/{room}/groupbuys", create_deal, methods=["POST"]),
        Route("/api/rooms/{room}/groupbuys", list_deals, methods=["GET"]),
        Route("/api/rooms/{room}/groupbuys/{deal}", get_deal, methods=["GET"]),
        Route("/api/rooms/{room}/groupbuys/{deal}/groups", deal_groups, methods=["GET"]),
        Route("/api/rooms/{room}/groupbuys/{deal}/end", end_deal, methods=["POST"]),
        Route("/api/rooms/{room}/groupbuys/{deal}/open", open_group, methods=["POST"]),
        Route("/api/rooms/{room}/groups/{group}", get_group, methods=["GET"]),
        Route("/api/rooms/{room}/groups/{group}/join", join_group, methods=["POST"]),
        Route("/api/rooms/{room}/groups/{group}/pay", pay_group_order, methods=["POST"]),
    ]


OPERATIONS: dict[Any, Op] = {
    create_deal: Op("create a group deal (拼团) on a product of the room's cart", auth="host", body=DealIn,
                    ok=201, errors=(404, 409, *DB), tags=("groupbuy",)),
    list_deals: Op("the room's group deals, newest first", errors=DB, tags=("groupbuy",)),
    get_deal: Op("one group deal with its open groups", errors=DB, tags=("groupbuy",)),
    deal_groups: Op("every group of a deal with its members' orders", auth="host", errors=DB, tags=("groupbuy",)),
    end_deal: Op("stop a group deal (no more opens or joins)", auth="host", errors=(409, *DB), tags=("groupbuy",)),
    open_group: Op("open a group, holding one unit; a retry with the same key returns the first answer",
                   auth="token", body=KeyIn, errors=(409, *DB), tags=("groupbuy",)),
    get_group: Op("one group: members, how many are still needed, status", errors=DB, tags=("groupbuy",)),
    join_group: Op("join an open group; the join that fills it completes the group; with the share code of the "
                   "link the viewer came through, the join is attributed to its sharer", auth="token", body=JoinIn,
                   errors=(409, *DB), tags=("groupbuy",)),
    pay_group_order: Op("a member of a complete group pays their order (simulated provider) within the payment window; "
                        "paying again answers the same payment", auth="token", errors=(404, 409, *DB),
                        tags=("groupbuy",)),
}
