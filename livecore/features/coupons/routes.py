"""Coupons (限时优惠券) over HTTP: host actions, viewer claims, the caller's coupons.

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

Refused claims answer 409 with ``{"error": {"code", "message"}}`` (``sold_out``,
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

from ...api.deps import ApiError, app_service, body, identity, json, require_host, require_room
from ...api.op import DB, Op, Param
from ...core.coupon_math import HeldCoupon, usable
from ...core.outcome import Refusal
from ...protocol.codes import ErrorCode
from ...protocol.limits import MAX_TOTAL, bounded_int
from .service import CouponBatchIn, CouponService


def coupons(request: Request) -> CouponService:
    """One service per app (it keeps caches and throttled state publishing)."""
    return app_service(request, "coupons", CouponService)


class _Key(msgspec.Struct):
    key: str


# -- coupons --------------------------------------------------------------------------------------------
async def create_batch(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_host(request, room)
    spec = await body(request, CouponBatchIn)
    return json(await coupons(request).create_batch(room, spec, who.user), status=201)


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
def routes() -> list[BaseRoute]:
    return [
        Route("/api/rooms/{room}/coupons", create_batch, methods=["POST"]),
        Route("/api/rooms/{room}/coupons", list_batches, methods=["GET"]),
        Route("/api/rooms/{room}/coupons/mine", mine, methods=["GET"]),
        Route("/api/rooms/{room}/coupons/{batch}", get_batch, methods=["GET"]),
        Route("/api/rooms/{room}/coupons/{batch}/claim", claim, methods=["POST"]),
        Route("/api/rooms/{room}/coupons/{batch}/end", end_batch, methods=["POST"]),
    ]


OPERATIONS: dict[Any, Op] = {
    create_batch: Op("create a coupon batch", auth="host", body=CouponBatchIn, errors=(409, *DB),
                        tags=("coupons",)),
    list_batches: Op("the room's coupon batches, newest first", errors=DB, tags=("coupons",)),
    mine: Op("the caller's coupons; with amount > 0 the usable ones, best first", auth="token",
                query=(Param("amount", int, "an order amount in cents"),), errors=(400, *DB), tags=("coupons",)),
    get_batch: Op("one coupon batch", errors=DB, tags=("coupons",)),
    claim: Op("claim a coupon; a retry with the same key returns the first answer", auth="token",
                 body=_Key, errors=(409, *DB), tags=("coupons",)),
    end_batch: Op("stop claims (claimed coupons stay valid)", auth="host", errors=(409, *DB), tags=("coupons",)),
}
