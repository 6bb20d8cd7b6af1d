"""Polls and quizzes over HTTP (the host's side; viewers vote over the room socket).

    POST /api/rooms/{room}/polls               host: PollIn -> the poll (state view, with seed_hash for a draw)
    GET  /api/rooms/{room}/polls               public: the room's polls, newest first (PostgreSQL)
    GET  /api/rooms/{room}/polls/current       public: the room's ``poll`` state or null
    GET  /api/rooms/{room}/polls/{id}          public: one poll with its live tallies
    POST /api/rooms/{room}/polls/{id}/close    host: close now -> the poll with its result

Refusals answer ``{"error": {"code", "message"}}`` with the status of the code (``livecore.api.status``):
``busy`` 409 (a poll is still open in the room), ``invalid`` 400, ``not_found`` 404.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ...api.deps import ApiError, app_service, body, database, json, require_host, runtime
from ...api.op import DB, Op
from ...protocol.codes import ErrorCode
from .model import PollIn
from .service import PollService


def polls(request: Request) -> PollService:
    return app_service(request, "polls", PollService)


async def open_poll(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_host(request, room)
    spec = await body(request, PollIn)
    return json(await polls(request).open(room, spec, who.user), status=201)


async def list_polls(request: Request) -> Response:
    rows = await database(runtime(request)).fetch(
        """SELECT id, question, mode, status, correct, reward, voters, correct_voters,
                  (extract(epoch FROM opened_at) * 1000)::bigint AS opened_at,
                  (extract(epoch FROM ends_at) * 1000)::bigint AS ends_at
           FROM polls WHERE room_id = $1 ORDER BY opened_at DESC LIMIT 100""", request.path_params["room"])
    return json([dict(r) for r in rows])


async def current_poll(request: Request) -> Response:
    return json(await polls(request).current(request.path_params["room"]))


async def get_poll(request: Request) -> Response:
    view = await polls(request).get(request.path_params["room"], request.path_params["id"])
    if view is None:
        raise ApiError(ErrorCode.NOT_FOUND, "no such poll")
    return json(view)


async def close_poll(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_host(request, room)
    return json(await polls(request).close_poll(room, request.path_params["id"], actor=who.user))


def routes() -> list[BaseRoute]:
    return [
        Route("/api/rooms/{room}/polls", open_poll, methods=["POST"]),
        Route("/api/rooms/{room}/polls", list_polls, methods=["GET"]),
        Route("/api/rooms/{room}/polls/current", current_poll, methods=["GET"]),
        Route("/api/rooms/{room}/polls/{id}", get_poll, methods=["GET"]),
        Route("/api/rooms/{room}/polls/{id}/close", close_poll, methods=["POST"]),
    ]


OPERATIONS: dict[Any, Op] = {
    open_poll: Op("open a poll or quiz (投票 / 答题)", auth="host", body=PollIn, ok=201, errors=(409, *DB),
                  tags=("polls",)),
    list_polls: Op("the room's polls, newest first", errors=DB, tags=("polls",)),
    current_poll: Op("the room's `poll` state, or null", errors=DB, tags=("polls",)),
    get_poll: Op("one poll with its live tallies", errors=DB, tags=("polls",)),
    close_poll: Op("close now: the result, told once; a quiz's rewards granted once", auth="host",
                   errors=(409, *DB), tags=("polls",)),
}
