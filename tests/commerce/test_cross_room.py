"""Commerce across rooms and around amounts, over HTTP (the app in-process, real Redis and PostgreSQL):
a token bound to one room cannot claim, enter or buy in another; a coupon pays only orders of its own room;
a signed payment callback must pay exactly what is due; reconciling an unknown sale answers 404; a user
id containing ``:`` shares no idempotency record with another user."""

from __future__ import annotations

import time

import httpx
import msgspec

from livecore.auth import issue
from livecore.commerce.payments import SIGNATURE_HEADER, callback_secret, sign
from livecore.config import Settings
from livecore.core.outcome import accepted


def _auth(settings: Settings, user: str, role: str = "viewer", room: str | None = None) -> dict[str, str]:
    return {"authorization": "Bearer " + issue(settings.secret, user, role=role, room=room)}


async def _sale(api: httpx.AsyncClient, host: dict[str, str], room: str, price: int = 1000) -> str:
    r = await api.post(f"/api/rooms/{room}/sales", headers=host, json={
        "product": "p1", "price": price, "quantity": 10, "per_user": 5, "ends_at": int(time.time() * 1000) + 600_000})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _batch(api: httpx.AsyncClient, host: dict[str, str], room: str, amount: int) -> str:
    r = await api.post(f"/api/rooms/{room}/coupons", headers=host, json={
        "kind": "fixed", "amount": amount, "total": 10, "duration_s": 600, "valid_for_s": 600})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_a_host_of_room_b_cannot_claim_or_enter_in_room_a(api: httpx.AsyncClient, settings: Settings) -> None:
    host_a, host_b = _auth(settings, "ha", "host", "ra"), _auth(settings, "hb", "host", "rb")
    batch = await _batch(api, host_a, "ra", 500)
    r = await api.post(f"/api/rooms/ra/coupons/{batch}/claim", json={"key": "k"}, headers=host_b)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = await api.post("/api/rooms/ra/lotteries", headers=host_a,
                       json={"prize": "x", "condition": "follow", "duration_s": 60})
    lottery = r.json()["id"]
    r = await api.post(f"/api/rooms/ra/lotteries/{lottery}/enter", headers=host_b)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    sale = await _sale(api, host_a, "ra")
    r = await api.post(f"/api/rooms/ra/sales/{sale}/buy", json={"key": "k"}, headers=host_b)
    assert r.status_code == 403
    # a viewer token (no room) and the room's own host still may
    viewer = _auth(settings, "v1")
    assert (await api.post(f"/api/rooms/ra/coupons/{batch}/claim", json={"key": "k"}, headers=viewer)).json()["ok"]
    r = await api.post(f"/api/rooms/ra/lotteries/{lottery}/enter", headers=viewer)
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_eligible"  # reached the condition check


async def test_a_coupon_of_room_b_does_not_pay_an_order_of_room_a(api: httpx.AsyncClient,
                                                                  settings: Settings) -> None:
    host_a, host_b = _auth(settings, "ha", "host", "ra"), _auth(settings, "hb", "host", "rb")
    viewer = _auth(settings, "v1")
    big = await _batch(api, host_b, "rb", 10_000_000)
    claim = (await api.post(f"/api/rooms/rb/coupons/{big}/claim", json={"key": "k"}, headers=viewer)).json()["claim"]
    sale = await _sale(api, host_a, "ra")
    order = (await api.post(f"/api/rooms/ra/sales/{sale}/buy", json={"key": "k"}, headers=viewer)).json()["order"]
    r = await api.post(f"/api/orders/{order}/pay", json={"coupon": claim}, headers=viewer)
    assert r.status_code == 400 and "wrong_room" in r.json()["error"]["message"], r.text
    r = await api.get(f"/api/orders/{order}", headers=viewer)
    assert r.json()["status"] == "reserved"
    # the coupon was not used up by the refused attempt: it still pays an order of its own room
    sale_b = await _sale(api, host_b, "rb", price=20_000_000)
    order_b = (await api.post(f"/api/rooms/rb/sales/{sale_b}/buy", json={"key": "k"}, headers=viewer)).json()["order"]
    r = await api.post(f"/api/orders/{order_b}/pay", json={"coupon": claim}, headers=viewer)
    assert r.status_code == 200 and r.json()["order"]["discount"] == 10_000_000


async def test_a_signed_callback_must_pay_exactly_the_amount_due(api: httpx.AsyncClient, settings: Settings) -> None:
    host = _auth(settings, "ha", "host", "ra")
    viewer = _auth(settings, "v1")
    sale = await _sale(api, host, "ra", price=1000)
    order = (await api.post(f"/api/rooms/ra/sales/{sale}/buy", json={"key": "k"}, headers=viewer)).json()["order"]
    secret = callback_secret(settings)

    async def notify(amount: int, ref: str, coupon: str | None = None) -> httpx.Response:
        raw = msgspec.json.encode({"order": order, "ref": ref, "amount": amount, "coupon": coupon})
        return await api.post("/api/payments/callback", content=raw, headers={SIGNATURE_HEADER: sign(secret, raw)})

    for amount in (1, 999, 1001, 0):
        r = await notify(amount, f"r{amount}")
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid", (amount, r.text)
    assert (await api.get(f"/api/orders/{order}", headers=viewer)).json()["status"] == "reserved"
    # with the buyer's coupon of this room, the amount due is the price minus its discount
    batch = await _batch(api, host, "ra", 300)
    claim = (await api.post(f"/api/rooms/ra/coupons/{batch}/claim", json={"key": "k"}, headers=viewer)).json()["claim"]
    r = await notify(1000, "full-with-coupon", claim)
    assert r.status_code == 400
    r = await notify(700, "right", claim)
    assert r.status_code == 200, r.text
    paid = r.json()["order"]
    assert (paid["status"], paid["paid_amount"], paid["discount"]) == ("paid", 700, 300)
    assert (await notify(700, "right", claim)).json()["replayed"]


async def test_reconciling_an_unknown_or_foreign_sale_is_not_found(api: httpx.AsyncClient,
                                                                   settings: Settings) -> None:
    host_a, host_b = _auth(settings, "ha", "host", "ra"), _auth(settings, "hb", "host", "rb")
    sale = await _sale(api, host_a, "ra")
    assert (await api.get(f"/api/rooms/ra/sales/{sale}/reconcile", headers=host_a)).json()["ok"]
    for room, sale_id, host in (("ra", "nope", host_a), ("rb", sale, host_b)):
        r = await api.get(f"/api/rooms/{room}/sales/{sale_id}/reconcile", headers=host)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", r.text


async def test_user_ids_with_colons_share_no_idempotency_record(api: httpx.AsyncClient, settings: Settings) -> None:
    host = _auth(settings, "ha", "host", "ra")
    sale = await _sale(api, host, "ra")
    first = (await api.post(f"/api/rooms/ra/sales/{sale}/buy", json={"key": "k"},
                            headers=_auth(settings, "u:x"))).json()
    second = (await api.post(f"/api/rooms/ra/sales/{sale}/buy", json={"key": "x:k"},
                             headers=_auth(settings, "u"))).json()
    assert accepted(first) and accepted(second) and not second["replayed"]
    assert first["order"] != second["order"]
    batch = await _batch(api, host, "ra", 100)
    one = (await api.post(f"/api/rooms/ra/coupons/{batch}/claim", json={"key": "k"},
                          headers=_auth(settings, "w:x"))).json()
    two = (await api.post(f"/api/rooms/ra/coupons/{batch}/claim", json={"key": "x:k"},
                          headers=_auth(settings, "w"))).json()
    assert one["claim"] != two["claim"] and not two["replayed"]
