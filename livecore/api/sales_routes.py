"""Flash sales, orders and payment over HTTP.

Endpoints (JSON; money in integer cents; times in epoch milliseconds):

    POST /api/rooms/{room}/sales                  host: {"product","price","quantity","ends_at","starts_at"?,
                                                  "per_user"?=1,"sku"?,"title"?,"id"?} -> 201 sale; in a room
                                                  that is not live the sale also carries "warning":
                                                  {"code":"not_live","message"} (it is created all the same)
    GET  /api/rooms/{room}/sales                  [sale] (public)
    GET  /api/rooms/{room}/sales/{sale}           sale (public)
    POST /api/rooms/{room}/sales/{sale}/start     host: start a scheduled sale now -> sale
    POST /api/rooms/{room}/sales/{sale}/stop      host: end the sale now -> sale
    POST /api/rooms/{room}/sales/{sale}/buy       a token allowing the room: {"key","qty"?=1} -> {"ok":true,
                                                  "order","amount","expires_at","stock","replayed"}; a retry
                                                  with the same key returns the first answer
    GET  /api/rooms/{room}/sales/{sale}/reconcile host: Redis vs stream vs PostgreSQL report
    GET  /api/rooms/{room}/orders?sale=&status=&limit=   host: persisted orders, newest first
    GET  /api/orders/{id}                         the buyer, the room's host or an admin: order
    POST /api/orders/{id}/pay                     the buyer: {"coupon"?: claim id} -> {"ok":true,"order"} (simulated
                                                  provider, charges at once)
    POST /api/payments/callback                   a payment provider: PaymentNotice JSON {"order","ref","amount",
                                                  "status"?,"provider"?,"coupon"?} signed with header
                                                  X-Livecore-Signature: sha256=<hex HMAC-SHA256 of the body>

A sale object: {"id","room","product","sku","title","price","quantity","per_user","starts_at","ends_at","sold",
"stock","phase" (scheduled|started|ended, as announced),"status" (scheduled|active|sold_out|ended, now)}.
An order object: {"id","room","sale","user","product","sku","status" (reserved|paid|expired),"qty","amount",
"created_at","expires_at", and once paid "paid_at","paid_amount","discount","coupon"?,"payment_ref"}.
Refusals are errors with the purchase vocabulary: 409 not_started | ended | sold_out | limit_reached | expired |
already, 404 not_found, 400 invalid, 403 forbidden, 503 unavailable (retry with the same key).
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import Role
from ..commerce.ids import room_of
from ..commerce.model import SaleSpec
from ..commerce.orders import OrderService
from ..commerce.payments import SIGNATURE_HEADER, PaymentNotice, callback_secret, verify
from ..commerce.reconcile import SaleNotFound, reconcile
from ..commerce.sales import SalesService
from ..core.outcome import Refusal
from ..core.session import live_of
from ..protocol.codes import ErrorCode
from ..protocol.limits import Qty
from .deps import ApiError, app_service, body, identity, json, require_host, require_room, runtime
from .op import DB, Op, Param


class BuyIn(msgspec.Struct, forbid_unknown_fields=False):
    key: str
    qty: Qty = 1


class PayIn(msgspec.Struct, forbid_unknown_fields=False):
    coupon: str | None = None


def _services(request: Request) -> tuple[SalesService, OrderService]:
    """One pair of services per app (they hold the stock publisher's throttle state)."""
    sales = app_service(request, "sales", SalesService)
    orders = getattr(request.app.state, "orders", None)
    if orders is None:
        orders = request.app.state.orders = OrderService(runtime(request), sales.stock)
    return sales, orders


async def create_sale(request: Request) -> Response:
    room = request.path_params["room"]
    who = require_host(request, room)
    spec = await body(request, SaleSpec)
    sales, _ = _services(request)
    sale = await sales.create(room, spec, who.user)
    rt = runtime(request)
    if live_of(await rt.redis.hget(rt.keys.room_state(room), "live")) is not True:
        sale["warning"] = {"code": ErrorCode.NOT_LIVE.value,
                           "message": "the room is not live: orders of this sale belong to no live session and "
                                      "appear in no session's report"}
    return json(sale, status=201)


async def list_sales(request: Request) -> Response:
    sales, _ = _services(request)
    return json(await sales.list(request.path_params["room"]))


async def get_sale(request: Request) -> Response:
    sales, _ = _services(request)
    view = await sales.get(request.path_params["room"], request.path_params["sale"])
    if view is None:
        if await sales.lost(request.path_params["room"], request.path_params["sale"]):
            raise ApiError(ErrorCode.UNAVAILABLE, "this sale is being restored from PostgreSQL; retry")
        raise ApiError(ErrorCode.NOT_FOUND, "no such sale")
    return json(view)


async def start_sale(request: Request) -> Response:
    return await _window(request, "start")


async def stop_sale(request: Request) -> Response:
    return await _window(request, "stop")


async def _window(request: Request, action: str) -> Response:
    room, sale = request.path_params["room"], request.path_params["sale"]
    who = require_host(request, room)
    sales, _ = _services(request)
    view = await (sales.start if action == "start" else sales.stop)(room, sale, who.user)
    return json(view)


async def buy(request: Request) -> Response:
    room, sale = request.path_params["room"], request.path_params["sale"]
    who = require_room(request, room)
    req = await body(request, BuyIn)
    sales, _ = _services(request)
    answer = await sales.buy(room, who.user, sale, req.key, req.qty)
    if isinstance(answer, Refusal):
        raise ApiError.of(answer)
    return json(answer)


async def reconcile_sale(request: Request) -> Response:
    room, sale = request.path_params["room"], request.path_params["sale"]
    require_host(request, room)
    try:
        report = await reconcile(runtime(request), sale, room)
    except SaleNotFound as exc:
        raise ApiError(ErrorCode.NOT_FOUND, f"no sale {sale} in room {room}") from exc
    return json(report.as_dict())


async def list_orders(request: Request) -> Response:
    room = request.path_params["room"]
    require_host(request, room)
    rt = runtime(request)
    if rt.db is None:
        raise ApiError(ErrorCode.UNAVAILABLE, "no database")
    q = request.query_params
    try:
        limit = max(1, min(int(q.get("limit", "100")), 1000))
    except ValueError as exc:
        raise ApiError(ErrorCode.INVALID, "limit must be an integer") from exc
    rows = await rt.db.fetch(
        """SELECT id, sale_id, user_id, product_id, sku_id, qty, amount, discount, paid_amount, status,
                  (extract(epoch FROM created_at) * 1000)::bigint AS created_at
           FROM orders WHERE room_id = $1 AND ($2::text IS NULL OR sale_id = $2)
                             AND ($3::text IS NULL OR status = $3)
           ORDER BY created_at DESC LIMIT $4""",
        room, q.get("sale"), q.get("status"), limit)
    return json([{"id": r["id"], "sale": r["sale_id"], "user": r["user_id"], "product": r["product_id"],
                  "sku": r["sku_id"], "qty": r["qty"], "amount": r["amount"], "discount": r["discount"],
                  "paid_amount": r["paid_amount"], "status": r["status"], "created_at": r["created_at"]}
                 for r in rows])


async def get_order(request: Request) -> Response:
    order_id = request.path_params["order"]
    who = identity(request)
    _, orders = _services(request)
    order = await orders.get(order_id)
    if order is None:
        raise ApiError(ErrorCode.NOT_FOUND, "no such order")
    if order["user"] != who.user and not who.may_control(order["room"]) and who.role is not Role.ADMIN:
        raise ApiError(ErrorCode.FORBIDDEN, "not your order")
    return json(order)


async def pay_order(request: Request) -> Response:
    order_id = request.path_params["order"]
    who = identity(request)
    req = await body(request, PayIn) if await request.body() else PayIn()
    if room_of(order_id) is None:
        raise ApiError(ErrorCode.NOT_FOUND, "no such order")
    _, orders = _services(request)
    answer = await orders.pay(order_id, who.user, req.coupon)
    if isinstance(answer, Refusal):
        raise ApiError.of(answer)
    return json(answer)


async def payment_callback(request: Request) -> Response:
    raw = await request.body()
    if not verify(callback_secret(runtime(request).settings), raw, request.headers.get(SIGNATURE_HEADER)):
        raise ApiError(ErrorCode.UNAUTHORIZED, "bad or missing signature")
    try:
        notice = msgspec.json.decode(raw, type=PaymentNotice)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ApiError(ErrorCode.INVALID, str(exc)) from exc
    _, orders = _services(request)
    answer = await orders.confirm(notice)
    if isinstance(answer, Refusal):
        raise ApiError.of(answer)
    return json(answer)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/rooms/{room}/sales", create_sale, methods=["POST"]),
        Route("/api/rooms/{room}/sales", list_sales, methods=["GET"]),
        Route("/api/rooms/{room}/sales/{sale}", get_sale, methods=["GET"]),
        Route("/api/rooms/{room}/sales/{sale}/start", start_sale, methods=["POST"]),
        Route("/api/rooms/{room}/sales/{sale}/stop", stop_sale, methods=["POST"]),
        Route("/api/rooms/{room}/sales/{sale}/buy", buy, methods=["POST"]),
        Route("/api/rooms/{room}/sales/{sale}/reconcile", reconcile_sale, methods=["GET"]),
        Route("/api/rooms/{room}/orders", list_orders, methods=["GET"]),
        Route("/api/orders/{order}", get_order, methods=["GET"]),
        Route("/api/orders/{order}/pay", pay_order, methods=["POST"]),
        Route("/api/payments/callback", payment_callback, methods=["POST"]),
    ]


OPERATIONS: dict[Any, Op] = {
    create_sale: Op("create a flash sale", auth="host", body=SaleSpec, ok=201, errors=(409, *DB),
                       tags=("sales",)),
    list_sales: Op("the room's sales", errors=DB, tags=("sales",)),
    get_sale: Op("one sale", errors=DB, tags=("sales",)),
    start_sale: Op("start a scheduled sale now", auth="host", errors=(409, *DB), tags=("sales",)),
    stop_sale: Op("end a sale now", auth="host", errors=(409, *DB), tags=("sales",)),
    buy: Op("buy: a retry with the same key returns the first answer", auth="token", body=BuyIn,
               errors=(409, *DB), tags=("sales",)),
    reconcile_sale: Op("Redis vs stream vs PostgreSQL for one sale", auth="host", errors=DB, tags=("sales",)),
    list_orders: Op("persisted orders, newest first", auth="host",
                       query=(Param("sale"), Param("status"), Param("limit", int)), errors=(400, *DB),
                       tags=("orders",)),
    get_order: Op("one order (its buyer, the room's host or an admin)", auth="token", errors=(403, *DB),
                     tags=("orders",)),
    pay_order: Op("pay an order (simulated provider)", auth="token", body=PayIn, body_optional=True,
                     errors=(403, 409, *DB), tags=("orders",)),
    payment_callback: Op("a payment provider's notice, signed with X-Livecore-Signature", auth="signature",
                            body=PaymentNotice, errors=(404, 409, *DB), tags=("orders",)),
    }
