"""Sales, orders and payment over HTTP (the app in-process with its lifespan, real Redis and PostgreSQL)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from livecore.api.app import build_app
from livecore.auth import issue
from livecore.commerce.payments import SIGNATURE_HEADER, callback_secret, sign
from livecore.config import Settings


@pytest.fixture
async def client(settings: Settings, migrated: str, redis) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    app = build_app(settings)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as c):
        yield c


def auth(settings: Settings, user: str, role: str = "viewer", room: str | None = None) -> dict[str, str]:
    return {"authorization": "Bearer " + issue(settings.secret, user, role=role, room=room)}


async def test_host_creates_a_sale_viewers_buy_and_pay(client, settings, db) -> None:  # type: ignore[no-untyped-def]
    host = auth(settings, "h1", "host", "r1")
    now = int(time.time() * 1000)
    sale_in = {"product": "p1", "price": 990, "quantity": 2, "per_user": 1, "ends_at": now + 600_000}
    r = await client.post("/api/rooms/r1/sales", json=sale_in, headers=auth(settings, "ann"))
    assert r.status_code == 403
    r = await client.post("/api/rooms/r1/sales", json=sale_in, headers=auth(settings, "h2", "host", "r2"))
    assert r.status_code == 403
    r = await client.post("/api/rooms/r1/sales", json={**sale_in, "ends_at": now - 1}, headers=host)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"
    r = await client.post("/api/rooms/r1/sales", json=sale_in, headers=host)
    assert r.status_code == 201, r.text
    sale = r.json()
    assert (sale["status"], sale["stock"], sale["price"]) == ("active", 2, 990)
    sid = sale["id"]
    assert [s["id"] for s in (await client.get("/api/rooms/r1/sales")).json()] == [sid]

    r = await client.post(f"/api/rooms/r1/sales/{sid}/buy", json={"key": "k1"}, headers=auth(settings, "ann"))
    assert r.status_code == 200 and r.json()["ok"]
    order = r.json()["order"]
    again = await client.post(f"/api/rooms/r1/sales/{sid}/buy", json={"key": "k1"}, headers=auth(settings, "ann"))
    assert again.json()["order"] == order and again.json()["replayed"]
    r = await client.post(f"/api/rooms/r1/sales/{sid}/buy", json={"key": "k2"}, headers=auth(settings, "ann"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "limit_reached"
    r = await client.post(f"/api/rooms/r1/sales/{sid}/buy", json={"key": "k"}, headers=auth(settings, "bob"))
    bob_order = r.json()["order"]
    r = await client.post(f"/api/rooms/r1/sales/{sid}/buy", json={"key": "k"}, headers=auth(settings, "cat"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "sold_out"
    r = await client.post(f"/api/rooms/r1/sales/{sid}/buy", json={"key": "k"})
    assert r.status_code == 401

    assert (await client.get(f"/api/orders/{order}", headers=auth(settings, "bob"))).status_code == 403
    assert (await client.get(f"/api/orders/{order}", headers=host)).json()["status"] == "reserved"
    assert (await client.post(f"/api/orders/{order}/pay", headers=auth(settings, "bob"))).status_code == 403
    r = await client.post(f"/api/orders/{order}/pay", headers=auth(settings, "ann"))
    assert r.status_code == 200 and r.json()["order"]["status"] == "paid"
    assert r.json()["order"]["paid_amount"] == 990
    assert (await client.post("/api/orders/nope/pay", headers=auth(settings, "ann"))).status_code == 404

    # a provider callback: refused unsigned, accepted signed
    payload = b'{"order":"%s","ref":"ext-9","amount":990}' % bob_order.encode()
    r = await client.post("/api/payments/callback", content=payload, headers={SIGNATURE_HEADER: "sha256=00"})
    assert r.status_code == 401
    r = await client.post("/api/payments/callback", content=payload,
                          headers={SIGNATURE_HEADER: sign(callback_secret(settings), payload)})
    assert r.status_code == 200 and r.json()["order"]["payment_ref"] == "ext-9"

    r = await client.post(f"/api/rooms/r1/sales/{sid}/stop", headers=host)
    assert r.json()["status"] == "ended"
    r = await client.post(f"/api/rooms/r1/sales/{sid}/buy", json={"key": "z"}, headers=auth(settings, "dan"))
    assert r.json()["error"]["code"] in ("ended", "sold_out")
    audit = [row["action"] for row in await db.fetch("SELECT action FROM audit_log ORDER BY id")]
    assert audit == ["sale.create", "sale.stop"]
    r = await client.get(f"/api/rooms/r1/sales/{sid}/reconcile", headers=host)
    assert r.status_code == 200
    assert {d["kind"] for d in r.json()["differences"]} == {"not_persisted"}  # the worker has not run here
