"""Coupons (限时优惠券) and lotteries (福袋) over HTTP: host actions, viewer claims/entries, public verification.

Endpoints (JSON; money in integer cents; times in epoch milliseconds; durations ``*_s`` in seconds):

    POST   /api/rooms/{room}/coupons                    host: create a batch -> batch
             {"kind": "fixed"|"threshold"|"percent", "total", "per_user"?=1, "amount"?, "threshold"?,
              "percent"?, "cap"?, "title"?, "starts_at"?=now, "ends_at" | "duration_s",
              "valid_from"?, "valid_until" and/or "valid_for_s"}
    GET    /api/rooms/{room}/coupons                    public: the room's batches, newest first
    GET    /api/rooms/{room}/coupons/mine?amount=       viewer: {"coupons": [...], "best": claim id | null};
                                                        with amount > 0 only coupons usable on it, best first,
                                                        each with its "discount"; without, every coupon held
    GET    /api/rooms/{room}/coupons/{batch}            public: one batch
    POST   /api/rooms/{room}/coupons/{batch}/claim      a token allowing the room: {"key"} -> {"ok", "claim",
                                                        "batch", "remaining", "valid_from", "valid_until",
                                                        "replayed"}
    POST   /api/rooms/{room}/coupons/{batch}/end        host: stop claims (claimed coupons stay valid)
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

Refused claims and entries answer 409 with ``{"error": {"code", "message"}}`` (``sold_out``,
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

from ..commerce.coupons import CouponBatchIn, CouponService
from ..commerce.lottery import LotteryIn, LotteryService
from ..core.coupon_math import HeldCoupon, usable
from ..core.outcome import Refusal, RefusedError
from ..protocol.codes import ErrorCode
from ..protocol.limits import MAX_TOTAL, bounded_int
from .deps import ApiError, app_service, body, identity, json, require_host, require_room, runtime


def coupons(request: Request) -> CouponService:
    """One service per app (it keeps caches and throttled state publishing)."""
    return app_service(request, "coupons", CouponService)


def lotteries(request: Request) -> LotteryService:
    return app_service(request, "lotteries", LotteryService)


class _Key(msgspec.Struct):
    key: str


class _Empty(msgspec.Struct):
    pass


async def _optional_body(request: Request, kind: type[Any]) -> Any:
    return kind() if not await request.body() else await body(request, kind)


# -- coupons --------------------------------------------------------------------------------------------
async def create_batch(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_host(request, room)
    spec = await body(request, CouponBatchIn)
    try:
        return json(await coupons(request).create_batch(room, spec, who.user), status=201)
    except RefusedError as exc:
        raise ApiError.of(exc) from exc


async def list_batches(request: Request) -> Response:
    return json(await coupons(request).batches(request.path_params["room"]))


async def get_batch(request: Request) -> Response:
    batch = await coupons(request).batch(request.path_params["room"], request.path_params["batch"])
    if batch is None:
        raise ApiError(ErrorCode.NOT_FOUND, "no such coupon batch")
    return json(batch)


async def claim(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_room(request, room)
    req = await body(request, _Key)
    result = await coupons(request).claim(room, who.user, request.path_params["batch"], req.key)
    if isinstance(result, Refusal):
        raise ApiError.of(result)
    return json(result)


async def end_batch(request: Request) -> Response:
    room, batch = request.path_params["room"], request.path_params["batch"]
    who = require_host(request, room)
    if not await coupons(request).end_batch(room, batch, who.user):
        raise ApiError(ErrorCode.ENDED, "no active batch with this id")
    return json(await coupons(request).batch(room, batch))


async def mine(request: Request) -> Response:
    who = identity(request)
    room = request.path_params["room"]
    amount = bounded_int(request.query_params.get("amount", "0"), 0, MAX_TOTAL)
    if amount is None:
        raise ApiError(ErrorCode.INVALID, f"amount must be an integer number of cents, 0..{MAX_TOTAL}")
    svc = coupons(request)
    if amount > 0:
        ranked = await svc.offers(room, who.user, amount)
        items = [dict(_held(o.coupon), discount=o.discount) for o in ranked]
    else:
        now = svc.now_ms()
        items = [dict(_held(c), usable=usable(c, now)) for c in await svc.held(room, who.user)]
    best = items[0]["claim"] if amount > 0 and items else None
    return json({"coupons": items, "best": best})


def _held(c: HeldCoupon) -> dict[str, Any]:
    t = c.terms
    return {"claim": c.claim, "batch": c.batch, "title": c.title, "kind": t.kind.value, "amount": t.amount,
            "threshold": t.threshold, "percent": t.percent, "cap": t.cap, "valid_from": c.valid_from,
            "valid_until": c.valid_until, "used": c.used}


# -- lotteries ------------------------------------------------------------------------------------------
async def open_lottery(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_host(request, room)
    spec = await body(request, LotteryIn)
    try:
        return json(await lotteries(request).open(room, spec, who.user), status=201)
    except RefusedError as exc:
        raise ApiError.of(exc) from exc


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
    try:
        return json(await lotteries(request).draw(room, request.path_params["id"], actor=who.user))
    except RefusedError as exc:
        raise ApiError.of(exc) from exc


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
        Route("/api/rooms/{room}/coupons", create_batch, methods=["POST"]),
        Route("/api/rooms/{room}/coupons", list_batches, methods=["GET"]),
        Route("/api/rooms/{room}/coupons/mine", mine, methods=["GET"]),
        Route("/api/rooms/{room}/coupons/{batch}", get_batch, methods=["GET"]),
        Route("/api/rooms/{room}/coupons/{batch}/claim", claim, methods=["POST"]),
        Route("/api/rooms/{room}/coupons/{batch}/end", end_batch, methods=["POST"]),
        Route("/api/rooms/{room}/lotteries", open_lottery, methods=["POST"]),
        Route("/api/rooms/{room}/lotteries", list_lotteries, methods=["GET"]),
        Route("/api/rooms/{room}/lotteries/current", current_lottery, methods=["GET"]),
        Route("/api/rooms/{room}/lotteries/{id}/enter", enter, methods=["POST"]),
        Route("/api/rooms/{room}/lotteries/{id}/draw", draw, methods=["POST"]),
        Route("/api/rooms/{room}/lotteries/{id}/cancel", cancel, methods=["POST"]),
        Route("/api/lotteries/{id}", public_lottery, methods=["GET"]),
        Route("/api/lotteries/{id}/verify", verify, methods=["GET"]),
    ]
