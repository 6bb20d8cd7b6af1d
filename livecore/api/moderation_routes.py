"""A room's moderation over HTTP (``livecore.rooms.moderation``): the same store the gateways enforce.

    POST   /api/rooms/{room}/mute                   {"user","seconds"?}
    POST   /api/rooms/{room}/unmute                 {"user"}
    GET    /api/rooms/{room}/muted                  [{user, name, until}]
    POST   /api/rooms/{room}/messages/{msg}/delete  removes a barrage message from every screen
    POST   /api/rooms/{room}/pin                    {"msg"?, "text"?} (置顶); {} unpins
    GET    /api/rooms/{room}/words                  {"words": [...]}
    PUT    /api/rooms/{room}/words                  {"words": [...]} the room's own sensitive words

Every route is a host action; writes leave an ``audit_log`` row.
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..core import modrules
from ..protocol.codes import ErrorCode
from ..rooms import rules
from ..rooms.moderation import RoomModeration
from ..rooms.store import RoomStore
from .deps import ApiError, body, host_call, json


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


async def mute(request: Request) -> Response:
    call = host_call(request)
    data: MuteIn = await body(request, MuteIn)
    if (problem := modrules.mute_problem(data.user, data.seconds)) is not None:
        raise ApiError(ErrorCode.INVALID, problem)
    until = await RoomModeration(call.rt).mute(call.room, data.user, data.seconds, by=call.who.user)
    await call.audit("mute", {"user": data.user, "seconds": data.seconds})
    return json({"user": data.user, "until": until})


async def unmute(request: Request) -> Response:
    call = host_call(request)
    data: UserIn = await body(request, UserIn)
    if (problem := modrules.user_problem(data.user)) is not None:
        raise ApiError(ErrorCode.INVALID, problem)
    await RoomModeration(call.rt).unmute(call.room, data.user, by=call.who.user)
    await call.audit("unmute", {"user": data.user})
    return json({"ok": True})


async def muted(request: Request) -> Response:
    call = host_call(request)
    return json(await RoomModeration(call.rt).muted(call.room))


async def delete_message(request: Request) -> Response:
    call = host_call(request)
    msg = request.path_params["msg"]
    await RoomModeration(call.rt).delete(call.room, msg, by=call.who.user)
    await call.audit("delete", {"msg": msg})
    return json({"ok": True})


async def pin(request: Request) -> Response:
    call = host_call(request)
    data: PinIn = await body(request, PinIn) if await request.body() else PinIn()
    if (problem := modrules.pin_problem(data.msg, data.text)) is not None:
        raise ApiError(ErrorCode.INVALID, problem)
    pinned = await RoomModeration(call.rt).pin(call.room, data.msg, modrules.pin_text(data.text), by=call.who.user)
    await call.audit("pin" if pinned else "unpin", {"msg": data.msg, "text": data.text})
    return json({"pinned": pinned})


async def get_words(request: Request) -> Response:
    call = host_call(request)
    row = await RoomStore(call.db).load(call.room)
    return json({"words": list(row["words"])})


async def put_words(request: Request) -> Response:
    call = host_call(request)
    data: WordsIn = await body(request, WordsIn)
    words = rules.words(data.words)
    store = RoomStore(call.db)
    await store.load(call.room)
    await store.set_words(call.room, words)
    await RoomModeration(call.rt).set_words(call.room, words)
    await call.audit("words", {"count": len(words)})
    return json({"words": words})


def routes() -> list[BaseRoute]:
    r = "/api/rooms/{room}"
    return [
        Route(r + "/mute", mute, methods=["POST"]),
        Route(r + "/unmute", unmute, methods=["POST"]),
        Route(r + "/muted", muted),
        Route(r + "/messages/{msg}/delete", delete_message, methods=["POST"]),
        Route(r + "/pin", pin, methods=["POST"]),
        Route(r + "/words", get_words, methods=["GET"]),
        Route(r + "/words", put_words, methods=["PUT"]),
    ]
