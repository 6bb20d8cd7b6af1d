"""The API's writes are rate-limited per token and per client address: 429 ``rate_limited`` with
``retry_after`` in the usual error body; reads, other tokens and signed payment callbacks are not affected."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from livecore.api.app import build_app
from livecore.auth import issue
from livecore.config import Settings


@pytest.fixture
async def limited(settings: Settings, migrated: str, redis: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(settings.with_(api_write_rate=0.01, api_write_burst=5, api_address_rate=0.01,
                                   api_address_burst=12))
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("10.1.1.1", 5000)),
                                  base_url="http://api.test") as c):
        yield c


def _auth(settings: Settings, user: str, role: str = "viewer", room: str | None = None) -> dict[str, str]:
    return {"authorization": "Bearer " + issue(settings.secret, user, role=role, room=room)}


async def test_writes_past_the_token_and_address_rates_answer_429(limited: httpx.AsyncClient,
                                                                  settings: Settings) -> None:
    host = _auth(settings, "h1", "host", "r1")
    r = await limited.post("/api/rooms/r1/sales", headers=host, json={
        "id": "s1", "product": "p1", "price": 100, "quantity": 100, "per_user": 100,
        "ends_at": int(time.time() * 1000) + 600_000})
    assert r.status_code == 201
    flooder = _auth(settings, "flooder")
    statuses = [(await limited.post("/api/rooms/r1/sales/s1/buy", json={"key": f"k{i}"}, headers=flooder))
                for i in range(8)]
    assert [r.status_code for r in statuses] == [200] * 5 + [429] * 3
    body = statuses[-1].json()["error"]
    assert body["code"] == "rate_limited" and body["retry_after"] > 0
    assert int(statuses[-1].headers["retry-after"]) >= 1
    # reads are not limited; another token from the same address still writes until the address's bucket
    for _ in range(20):
        assert (await limited.get("/api/rooms/r1/sales/s1")).status_code == 200
    other = [(await limited.post("/api/rooms/r1/sales/s1/buy", json={"key": f"o{i}"},
                                 headers=_auth(settings, f"o{i}"))).status_code for i in range(5)]
    assert other == [200, 200, 200, 429, 429]  # 1 + 8 + 3 = 12 writes from 10.1.1.1, then refused
    r = await limited.post("/api/payments/callback", content=b"{}", headers={"x-livecore-signature": "sha256=00"})
    assert r.status_code == 401  # reached the route (not limited): refused for its signature
