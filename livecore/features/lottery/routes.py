"""Lotteries (福袋) over HTTP: host actions, viewer entries, public verification.

Endpoints (JSON; money in integer cents; times in epoch milliseconds; durations ``*_s`` in seconds):

    POST   /api/rooms/{room}/lotteries                  host: {"prize", "winners"?=1, "condition": "keyword"|
                                                        "follow"|"watch"|"purchase", "keyword"?, "watch_s"?,
                                                        "ends_at" | "duration_s"} -> lottery (with seed_hash)
    GET    /api/rooms/{room}/lotteries                  public: the room's lotteries, newest first
    GET    /api/rooms/{room}/lotteries/current          public: the room's ``lottery`` state or null
    POST   /api/rooms/{room}/lotteries/{id}/enter       a token allowing the room: {} -> {"ok", "lottery",
                                                        "entries"}; watch-time lotteries are entered through
                                                        the gateway, which measures the viewer's time in the
                                                        room
    POST   /api/rooms/{room}/lotteries/{id}/draw        host: draw now -> lottery with winners and seed
    POST   /api/rooms/{room}/lotteries/{id}/cancel      host: cancel an open lottery
    GET    /api/lotteries/{id}?entries=1                public record; seed, winners (and with entries=1 the
                                                        entry list) once drawn
    GET    /api/lotteries/{id}/verify                   public: recompute the winners -> {"ok", "problems", ...}

Refused entries answer 409 with ``{"error": {"code", "message"}}`` (``sold_out``,
``limit_reached``, ``not_started``, ``ended``, ``not_eligible``, ``already``); unknown ids 404; bad input 400;
``unavailable`` (a batch or lottery being restored) 503, retry. Every route turns a code into its status
through one map (``livecore.api.status``).
Host actions are written to ``audit_log`` by the services.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ...api.deps import ApiError, app_service, body, json, require_host, require_room, runtime
from ...api.op import DB, Op, Param
from ...core.outcome import Refusal
from ...protocol.codes import ErrorCode
from .service import LotteryIn, LotteryService


def lotteries(request: Request) -> LotteryService:
    return app_service(request, "lotteries", LotteryService)


class _Empty(msgspec.Struct):
    pass


async def _optional_body(request: Request, kind: type[Any]) -> Any:
    return kind() if not await request.body() else await body(request, kind)


async def open_lottery(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_host(request, room)
    spec = await body(request, LotteryIn)
    return json(await lotteries(request).open(room, spec, who.user), status=201)


async def list_lotteries(request: Request) -> Response:
    rt = runtime(request)
    assert rt.db is not None
    rows = await rt.db.fetch(
        """SELECT id, prize, winners_count, condition, keyword, watch_s, status, entries_count,
                  (extract(epoch FROM opened_at) * 1000)::bigint AS opened_at,
                  (extract(epoch FROM ends_at) * 1000)::bigint AS ends_at
           FROM lotteries WHERE room_id = $1 ORDER BY opened_at DESC LIMIT 100""", request.path_params["room"])
    return json([dict(r) for r in rows])


async def current_lottery(request: Request) -> Response:
    return json(await lotteries(request).current(request.path_params["room"]))


async def enter(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_room(request, room)
    await _optional_body(request, _Empty)
    result = await lotteries(request).enter(room, who.user, request.path_params["id"], 0)
    if isinstance(result, Refusal):
        raise ApiError.of(result)
    return json(result)


async def draw(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_host(request, room)
    return json(await lotteries(request).draw(room, request.path_params["id"], actor=who.user))


async def cancel(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_host(request, room)
    if not await lotteries(request).cancel(room, request.path_params["id"], who.user):
        raise ApiError(ErrorCode.ENDED, "no open lottery with this id")
    return json(await lotteries(request).get(room, request.path_params["id"]))


async def public_lottery(request: Request) -> Response:
    record = await lotteries(request).public_record(request.path_params["id"])
    if record is None:
        raise ApiError(ErrorCode.NOT_FOUND, "no such lottery")
    if request.query_params.get("entries") not in ("1", "true"):
        record.pop("entries", None)
    return json(record)


async def verify(request: Request) -> Response:
    report = await lotteries(request).verify(request.path_params["id"])
    if "seed" not in report and report["problems"] == ["no such lottery"]:
        raise ApiError(ErrorCode.NOT_FOUND, "no such lottery")
    return json(report)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/rooms/{room}/lotteries", open_lottery, methods=["POST"]),
        Route("/api/rooms/{room}/lotteries", list_lotteries, methods=["GET"]),
        Route("/api/rooms/{room}/lotteries/current", current_lottery, methods=["GET"]),
        Route("/api/rooms/{room}/lotteries/{id}/enter", enter, methods=["POST"]),
        Route("/api/rooms/{room}/lotteries/{id}/draw", draw, methods=["POST"]),
        Route("/api/rooms/{room}/lotteries/{id}/cancel", cancel, methods=["POST"]),
        Route("/api/lotteries/{id}", public_lottery, methods=["GET"]),
        Route("/api/lotteries/{id}/verify", verify, methods=["GET"]),
    ]


OPERATIONS: dict[Any, Op] = {
    open_lottery: Op("open a lottery (福袋); answers its seed hash", auth="host", body=LotteryIn,
                        errors=(409, *DB), tags=("lotteries",)),
    list_lotteries: Op("the room's lotteries, newest first", errors=DB, tags=("lotteries",)),
    current_lottery: Op("the room's `lottery` state, or null", errors=DB, tags=("lotteries",)),
    enter: Op("enter a lottery", auth="token", errors=(400, 409, *DB), tags=("lotteries",)),
    draw: Op("draw now: winners and seed", auth="host", errors=(409, *DB), tags=("lotteries",)),
    cancel: Op("cancel an open lottery", auth="host", errors=(409, *DB), tags=("lotteries",)),
    public_lottery: Op("the public record; seed and winners once drawn", query=(
        Param("entries", str, "1 or true: include the entry list"),), errors=DB, tags=("lotteries",)),
    verify: Op("recompute the winners from the seed and the entries", errors=DB, tags=("lotteries",)),
}
