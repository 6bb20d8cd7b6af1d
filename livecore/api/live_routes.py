"""A room's live sessions over HTTP (``livecore.rooms.live``).

    POST   /api/rooms/{room}/live/start             {"title"?} -> session; 409 already when live
    POST   /api/rooms/{room}/live/end               -> session with ended_at; 409 not_live when not live
    GET    /api/rooms/{room}/sessions?n=            [{id,title,started_at,ended_at}] newest first
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..rooms.live import LiveSessions
from .deps import body, host_call, json, limit


class LiveIn(msgspec.Struct, forbid_unknown_fields=False):
    title: str | None = None


async def live_start(request: Request) -> Response:
    call = host_call(request)
    data: LiveIn = await body(request, LiveIn) if await request.body() else LiveIn()
    session = await LiveSessions(call.rt, call.db).start(call.room, data.title)
    await call.audit("live.start", {"session": session["id"], "title": session["title"]})
    return json(session, status=201)


async def live_end(request: Request) -> Response:
    call = host_call(request)
    session = await LiveSessions(call.rt, call.db).end(call.room)
    await call.audit("live.end", {"session": session["id"]})
    return json(session)


async def list_sessions(request: Request) -> Response:
    call = host_call(request)
    return json(await LiveSessions(call.rt, call.db).list(call.room, limit(request, 50)))


def routes() -> list[BaseRoute]:
    r = "/api/rooms/{room}"
    return [
        Route(r + "/live/start", live_start, methods=["POST"]),
        Route(r + "/live/end", live_end, methods=["POST"]),
        Route(r + "/sessions", list_sessions),
    ]
