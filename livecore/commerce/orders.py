"""Orders after the purchase: reading them, paying them, expiring them when unpaid.

Payment and expiry are decided in Redis by two scripts (``order_pay.lua``, ``order_expire.lua``) on the
order's status, so when a late payment and the expiry race exactly one of them wins and stock comes back at
most once. Both append to the room's orders stream; the order worker persists the outcome.
"""

from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import RedisError

from .. import replies
from ..core.outcome import Refusal, RefusedError, Subject, from_script, refusal
from ..features.coupons.service import CouponService
from ..people import PeopleStore
from ..protocol.codes import ErrorCode
from ..protocol.events import OrderEvent
from ..runtime import Runtime
from .ids import room_of
from .payments import PaymentNotice, PaymentProvider, SimulatedProvider
from .sale_keys import SaleKeys
from .stock import StockPublisher

log = logging.getLogger(__name__)

_INT_FIELDS = ("qty", "amount", "created_at", "expires_at", "paid_at", "expired_at", "paid_amount", "discount")


def order_view(order_id: str, fields: dict[bytes, bytes]) -> dict[str, Any]:
    raw = {k.decode(): v.decode() for k, v in fields.items()}
    view: dict[str, Any] = {"id": order_id, "room": room_of(order_id) or "", "sale": raw.get("sale", ""),
                            "user": raw.get("user", ""), "product": raw.get("product", ""),
                            "sku": raw.get("sku", ""), "status": raw.get("status", "")}
    for name in _INT_FIELDS:
        if raw.get(name):
            view[name] = int(raw[name])
    if raw.get("coupon"):
        view["coupon"] = raw["coupon"]
    if raw.get("payment_ref"):
        view["payment_ref"] = raw["payment_ref"]
    return view


class OrderService:
    def __init__(self, rt: Runtime, stock: StockPublisher | None = None,
                 provider: PaymentProvider | None = None) -> None:
        self.rt = rt
        self.k = SaleKeys(rt.keys)
        self.stock = stock or StockPublisher(rt)
        self.provider: PaymentProvider = provider or SimulatedProvider()
        self._coupons: Any = None

    def now_ms(self) -> int:
        return int(self.rt.clock.now() * 1000)

    async def get(self, order_id: str) -> dict[str, Any] | None:
        room = room_of(order_id)
        if room is None:
            return None
        fields = replies.fields(await self.rt.redis.hgetall(self.k.order(room, order_id)))
        if fields:
            return order_view(order_id, fields)
        if self.rt.db is not None:  # an old order whose Redis record has expired
            row = await self.rt.db.fetchrow("SELECT * FROM orders WHERE id = $1", order_id)
            if row is not None:
                return {"id": row["id"], "room": row["room_id"], "sale": row["sale_id"], "user": row["user_id"],
                        "product": row["product_id"], "sku": row["sku_id"], "status": row["status"],
                        "qty": row["qty"], "amount": row["amount"], "discount": row["discount"]}
        return None

    # -- payment ---------------------------------------------------------------------------------------------
    async def pay(self, order_id: str, user: str, coupon: str | None = None) -> dict[str, Any] | Refusal:
        """Pay an order through the configured provider, optionally redeeming a coupon claim first."""
        order = await self.get(order_id)
        if order is None or "expires_at" not in order:
            return refusal(ErrorCode.NOT_FOUND, "no such order")
        if order["user"] != user:
            return refusal(ErrorCode.FORBIDDEN, about=Subject.ORDER)
        if order["status"] == "paid":
            return {"ok": True, "order": order, "replayed": True}
        if order["status"] != "reserved" or self.now_ms() >= order["expires_at"]:
            return refusal(ErrorCode.EXPIRED, about=Subject.ORDER)
        discount = 0
        if coupon:
            coupons = self._coupon_service()
            try:
                discount = int(await coupons.redeem(user, coupon, order_id, order["amount"]))
            except RefusedError as exc:
                return refusal(ErrorCode.INVALID, f"coupon refused: {exc.code.value}")
        charge = max(0, order["amount"] - discount)
        ref = await self.provider.charge(order_id, charge)
        result = await self._settle(order_id, user, self.provider.name, ref, charge, discount, coupon or "")
        if isinstance(result, Refusal) and coupon:
            await self._release_coupon(order_id)
        return result

    async def confirm(self, notice: PaymentNotice) -> dict[str, Any] | Refusal:
        """A provider's (signature-checked) callback: settle the order it names."""
        order = await self.get(notice.order)
        if order is None or "expires_at" not in order:
            return refusal(ErrorCode.NOT_FOUND, "no such order")
        if notice.status != "succeeded":
            return refusal(ErrorCode.INVALID, f"payment {notice.status}")
        if order["status"] == "paid":  # a repeated notice: the script answers it (same ref: replayed)
            return await self._settle(notice.order, "", notice.provider, notice.ref, notice.amount,
                                      order.get("discount", 0), notice.coupon or "")
        discount = 0
        if notice.coupon:  # the coupon the buyer applied at checkout: redeemed for the order's buyer
            try:
                discount = int(await self._coupon_service().redeem(order["user"], notice.coupon, notice.order,
                                                                   order["amount"]))
            except RefusedError as exc:
                return refusal(ErrorCode.INVALID, f"coupon refused: {exc.code.value}")
        due = max(0, order["amount"] - discount)
        if notice.amount != due:
            if notice.coupon:
                await self._release_coupon(notice.order)
            return refusal(ErrorCode.INVALID, f"paid {notice.amount} cents, {due} due")
        result = await self._settle(notice.order, "", notice.provider, notice.ref, notice.amount, discount,
                                    notice.coupon or "")
        if isinstance(result, Refusal) and notice.coupon:
            await self._release_coupon(notice.order)
        return result

    async def _settle(self, order_id: str, user: str, provider: str, ref: str, charge: int, discount: int,
                      coupon: str) -> dict[str, Any] | Refusal:
        room = room_of(order_id)
        assert room is not None
        s = self.rt.settings
        now = self.now_ms()
        res = await self.rt.scripts.call(
            "order_pay",
            keys=[self.k.order(room, order_id), self.k.orders_stream(room), self.k.deadlines(room),
                  self.rt.keys.interactions(room), self.rt.keys.room_state(room)],
            args=[order_id, user, now, provider, ref, charge, discount, coupon, s.order_stream_maxlen, room,
                  s.interaction_maxlen],
        )
        if res[0] != b"ok":
            return from_script(res[1], Subject.ORDER)
        order = await self.get(order_id)
        assert order is not None
        if not res[2]:
            try:
                name = (await PeopleStore(self.rt.redis, self.rt.keys).names([order["user"]])).get(order["user"], "")
                await self.rt.bus.publish_reliable(room, OrderEvent(ts=now, user=order["user"], name=name,
                                                                    product=order["product"], qty=order["qty"]))
            except (RedisError, OSError) as exc:
                log.warning("order event for %s failed: %s", order_id, exc)
        return {"ok": True, "order": order, "replayed": bool(res[2])}

    # -- expiry ----------------------------------------------------------------------------------------------
    async def expire(self, order_id: str) -> bool:
        """Expire the order if it is still unpaid past its deadline. True when it expired now."""
        room = room_of(order_id)
        if room is None:
            return False
        sale = await self.rt.redis.hget(self.k.order(room, order_id), "sale")
        if sale is None:
            await self.rt.redis.zrem(self.k.deadlines(room), order_id)
            return False
        sale_id = replies.text(sale)
        res = await self.rt.scripts.call(
            "order_expire",
            keys=[self.k.order(room, order_id), self.k.stock(room, sale_id), self.k.users(room, sale_id),
                  self.k.sale(room, sale_id), self.k.deadlines(room), self.k.orders_stream(room),
                  self.k.unreleased(room)],
            args=[order_id, sale_id, self.now_ms(), self.rt.settings.order_stream_maxlen],
        )
        if res[0] != b"expired":
            return False
        self.stock.notify(room, sale_id)
        await self.give_back_coupon(room, order_id)
        return True

    async def give_back_coupon(self, room: str, order_id: str) -> None:
        """Release the expired order's coupon, then forget the order. The script recorded it as unreleased,
        so a process that dies in between leaves it to the next sweep; releasing twice is a no-op."""
        if await self._release_coupon(order_id):
            await self.rt.redis.srem(self.k.unreleased(room), order_id)

    async def sweep(self, room: str, limit: int = 500) -> int:
        """Expire the room's orders whose payment deadline has passed, and give back the coupons of expired
        orders whose release did not happen (a crash right after the expiry); returns how many expired."""
        for order_id in replies.members(await self.rt.redis.srandmember(self.k.unreleased(room), limit)):
            await self.give_back_coupon(room, order_id.decode())
        due = replies.members(await self.rt.redis.zrangebyscore(self.k.deadlines(room), "-inf", self.now_ms(),
                                                                start=0, num=limit))
        n = 0
        for order_id in due:
            if await self.expire(order_id.decode()):
                n += 1
        return n

    # -- coupons -------------------------------------------------------------------------------------------
    def _coupon_service(self) -> CouponService:
        if self._coupons is None:
            self._coupons = CouponService(self.rt)
        return self._coupons

    async def _release_coupon(self, order_id: str) -> bool:
        try:
            await self._coupon_service().release(order_id)
        except Exception:  # the order's outcome stands; an expired order's release is retried by the sweep
            log.exception("releasing the coupon of order %s failed", order_id)
            return False
        return True
