"""Red packets over HTTP: the host launches and ends them; anyone reads the public record and verifies it.

    POST /api/rooms/{room}/redpackets               host: {"total", "count", "kind"?="rain"|"password", "window_s"?,
                                                    "start_in_s"?, "condition"?="none"|"follow"|"watch", "watch_s"?,
                                                    "phrase"?} -> the packet (with seed_hash)
    GET  /api/rooms/{room}/redpackets               public: the room's packets, newest first
    POST /api/rooms/{room}/redpackets/{id}/end      host: end now (the leftover goes back) -> the ended packet
    GET  /api/redpackets/{id}                       public record; the seed, the amounts and the credits once ended
    GET  /api/redpackets/{id}/verify                public: recompute every amount -> {"ok", "problems", ...}

Grabs go over the WebSocket (``grab``, or a password packet's phrase as a ``chat``). Refusals answer
``{"error": {"code", "message"}}`` with the status of their code (``livecore.api.status``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ...api.deps import ApiError, app_service, body, database, json, require_host, runtime
from ...api.op import DB, Op
from ...protocol.codes import ErrorCode
from .model import RedPacketIn
from .service import RedPacketService


def service(request: Request) -> RedPacketService:
    return app_service(request, "redpackets", RedPacketService)


async def launch_redpacket(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_host(request, room)
    spec = await body(request, RedPacketIn)
    return json(await service(request).launch(room, spec, who.user), status=201)


async def list_redpackets(request: Request) -> Response:
    rows = await database(runtime(request)).fetch(
        """SELECT id, kind, total, count, condition, watch_s, phrase, status, grabbed, given, leftover, seed_hash,
                  (extract(epoch FROM starts_at) * 1000)::bigint AS starts_at,
                  (extract(epoch FROM ends_at) * 1000)::bigint AS ends_at
           FROM red_packets WHERE room_id = $1 ORDER BY created_at DESC LIMIT 100""", request.path_params["room"])
    return json([dict(r) for r in rows])


async def end_redpacket(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_host(request, room)
    return json(await service(request).end(room, request.path_params["id"], actor=who.user))


async def public_redpacket(request: Request) -> Response:
    record = await service(request).public_record(request.path_params["id"])
    if record is None:
        raise ApiError(ErrorCode.NOT_FOUND, "no such red packet")
    return json(record)


async def verify_redpacket(request: Request) -> Response:
    report = await service(request).verify(request.path_params["id"])
    if report["problems"] == ["no such red packet"]:
        raise ApiError(ErrorCode.NOT_FOUND, "no such red packet")
    return json(report)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/rooms/{room}/redpackets", launch_redpacket, methods=["POST"]),
        Route("/api/rooms/{room}/redpackets", list_redpackets, methods=["GET"]),
        Route("/api/rooms/{room}/redpackets/{id}/end", end_redpacket, methods=["POST"]),
        Route("/api/redpackets/{id}", public_redpacket, methods=["GET"]),
        Route("/api/redpackets/{id}/verify", verify_redpacket, methods=["GET"]),
    ]


OPERATIONS: dict[Any, Op] = {
    launch_redpacket: Op("launch a red packet rain (红包雨) or password packet (口令红包); answers its seed hash",
                         auth="host", body=RedPacketIn, ok=201, errors=(409, *DB), tags=("redpackets",)),
    list_redpackets: Op("the room's red packets, newest first", errors=DB, tags=("redpackets",)),
    end_redpacket: Op("end a red packet now; the leftover returns to the host", auth="host", errors=(409, *DB),
            tags=("redpackets",)),
    public_redpacket: Op("the public record; seed, amounts and credits once ended", errors=DB, tags=("redpackets",)),
    verify_redpacket: Op("recompute every amount from the seed and check the credits", errors=DB, tags=("redpackets",)),
}
