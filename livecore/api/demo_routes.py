"""The demo's scripted host switch (demo mode only).

    POST /api/rooms/{room}/demo/host   host: {"mode": "running"|"paused"|"off"} -> {"mode"}

The mode travels as the room state field ``demo_host`` (latest-value-wins, so the console shows the switch as it
is and every console of the room sees it change); the scripted host (``livecore demo``) reads it before each of
its moves. ``livecore demo`` sets ``running`` when it starts its scripted host and ``off`` with ``--no-host``;
a person sets ``paused`` or ``running``. Outside demo mode the route answers 404 ``not_found``.
"""

from __future__ import annotations

from typing import Literal

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..protocol.codes import ErrorCode
from ..storage.audit import audit
from .deps import ApiError, body, json, require_host, runtime
from .deps import database as _db

MODES = ("running", "paused", "off")


class DemoHostIn(msgspec.Struct, forbid_unknown_fields=True):
    mode: Literal["running", "paused", "off"]


async def set_demo_host(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    who = require_host(request, room)
    if not rt.settings.demo:
        raise ApiError(ErrorCode.NOT_FOUND, "the scripted host exists in demo mode only")
    data: DemoHostIn = await body(request, DemoHostIn)
    await rt.bus.set_state(room, {"demo_host": data.mode})
    await audit(_db(rt), room, who.user, "demo.host", {"mode": data.mode})
    return json({"mode": data.mode})


def routes() -> list[BaseRoute]:
    return [Route("/api/rooms/{room}/demo/host", set_demo_host, methods=["POST"])]
