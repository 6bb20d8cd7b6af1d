"""Every amount, count and time of the commerce API is bounded at the edge (``livecore.protocol.limits``):
out-of-range or ill-typed values answer 400 ``invalid`` with the usual error body, never 500."""

from __future__ import annotations

import time

import httpx
import msgspec
import pytest

from livecore.auth import issue
from livecore.commerce.payments import SIGNATURE_HEADER, callback_secret, sign
from livecore.config import Settings
from livecore.protocol import limits

# the inputs that answered 500 (or, for a price, were accepted and overflowed later) before the bounds
SALE_FIELDS = ["price", "ends_at", "starts_at", "quantity", "per_user"]
COUPON_FIELDS = ["amount", "per_user", "threshold", "cap", "starts_at", "ends_at", "duration_s", "valid_from",
                 "valid_until", "valid_for_s", "total"]
LOTTERY_FIELDS = ["watch_s", "winners", "ends_at", "duration_s"]
BAD = [2**62, 2**63, 2**70, -(2**63), -1, 1.5, "7", None]


def _auth(settings: Settings, user: str, role: str = "viewer", room: str | None = None) -> dict[str, str]:
    return {"authorization": "Bearer " + issue(settings.secret, user, role=role, room=room)}


def _invalid(r: httpx.Response) -> bool:
    return r.status_code in (400, 422) and r.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("field", SALE_FIELDS)
async def test_sale_numbers_out_of_range_are_invalid(api: httpx.AsyncClient, settings: Settings,
                                                     field: str) -> None:
    host = _auth(settings, "h1", "host", "r1")
    now = int(time.time() * 1000)
    sale = {"product": "p1", "price": 100, "quantity": 5, "per_user": 3, "ends_at": now + 600_000}
    for value in BAD:
        if field == "starts_at" and value is None:
            continue  # a null start means "now"
        r = await api.post("/api/rooms/r1/sales", json={**sale, field: value}, headers=host)
        assert _invalid(r), (field, value, r.status_code, r.text)


@pytest.mark.parametrize("field", COUPON_FIELDS)
async def test_coupon_numbers_out_of_range_are_invalid(api: httpx.AsyncClient, settings: Settings,
                                                       field: str) -> None:
    host = _auth(settings, "h1", "host", "r1")
    batch = {"kind": "threshold", "amount": 100, "threshold": 1000, "total": 5, "duration_s": 600,
             "valid_for_s": 600}
    for value in BAD:
        if value is None and field in ("starts_at", "ends_at", "valid_from", "valid_until"):
            continue  # null is "not set" for these
        r = await api.post("/api/rooms/r1/coupons", json={**batch, field: value}, headers=host)
        assert _invalid(r), (field, value, r.status_code, r.text)
    r = await api.post("/api/rooms/r1/coupons", json={**batch, "kind": "percent", "amount": 0, "percent": 101,
                                                      "cap": 100}, headers=host)
    assert _invalid(r)


@pytest.mark.parametrize("field", LOTTERY_FIELDS)
async def test_lottery_numbers_out_of_range_are_invalid(api: httpx.AsyncClient, settings: Settings,
                                                        field: str) -> None:
    host = _auth(settings, "h1", "host", "r1")
    lottery = {"prize": "x", "winners": 1, "condition": "watch", "watch_s": 30, "duration_s": 60}
    for value in BAD:
        if value is None and field == "ends_at":
            continue
        r = await api.post("/api/rooms/r1/lotteries", json={**lottery, field: value}, headers=host)
        assert _invalid(r), (field, value, r.status_code, r.text)


async def test_buy_quantities_and_payment_amounts_out_of_range_are_invalid(api: httpx.AsyncClient,
                                                                           settings: Settings) -> None:
    host, viewer = _auth(settings, "h1", "host", "r1"), _auth(settings, "v1")
    now = int(time.time() * 1000)
    r = await api.post("/api/rooms/r1/sales", headers=host, json={
        "id": "s1", "product": "p1", "price": limits.MAX_PRICE, "quantity": 50, "per_user": 50,
        "ends_at": now + 600_000})
    assert r.status_code == 201, r.text
    for qty in [0, limits.MAX_QTY + 1, 2**63, -1, 1.5, "2"]:
        r = await api.post("/api/rooms/r1/sales/s1/buy", json={"key": f"k{qty}", "qty": qty}, headers=viewer)
        assert _invalid(r), (qty, r.text)
    r = await api.post("/api/rooms/r1/sales/s1/buy", json={"key": "most", "qty": limits.MAX_QTY // 4},
                       headers=viewer)
    assert r.status_code == 200 and r.json()["amount"] == limits.MAX_PRICE * (limits.MAX_QTY // 4)
    order = r.json()["order"]
    secret = callback_secret(settings)
    for amount in [2**63, -1, limits.MAX_TOTAL + 1, 1.5]:
        raw = msgspec.json.encode({"order": order, "ref": f"ref{amount}", "amount": amount})
        r = await api.post("/api/payments/callback", content=raw, headers={SIGNATURE_HEADER: sign(secret, raw)})
        assert _invalid(r), (amount, r.text)
    for amount in ["1e30", "-1", str(2**64), "x"]:
        r = await api.get(f"/api/rooms/r1/coupons/mine?amount={amount}", headers=viewer)
        assert _invalid(r), (amount, r.text)


def test_every_bound_keeps_integers_exact() -> None:
    assert limits.MAX_TOTAL == limits.MAX_PRICE * limits.MAX_QTY < 2**53
    assert limits.MAX_EPOCH_MS + limits.MAX_DURATION_S * 1000 < 2**53
    assert limits.MAX_STOCK * limits.MAX_PRICE < 2**63  # a sale's GMV fits PostgreSQL's bigint
    assert limits.bounded_int("12", 0, 20) == 12 and limits.bounded_int("21", 0, 20) is None
    assert limits.bounded_int("1e3", 0, 10**9) is None and limits.bounded_int("9" * 30, 0, 10**9) is None
