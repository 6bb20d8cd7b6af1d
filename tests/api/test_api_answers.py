"""What every API answer shares: JSON error bodies (the framework's own errors too), security headers, and
metrics labels that cannot grow without bound."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from starlette.routing import Route

from livecore.api.app import build_app
from livecore.config import Settings


async def boom(request: object) -> None:
    raise RuntimeError("a bug")


@pytest.fixture
async def client(settings: Settings, migrated: str, redis: Redis) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(settings)
    app.router.routes.append(Route("/test/boom", boom))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/no/such/page", 404, "not_found"),
    ("GET", "/assets/js/nope.js", 404, "not_found"),
    ("DELETE", "/healthz", 405, "method_not_allowed"),
    ("GET", "/test/boom", 500, "internal"),
])
async def test_framework_errors_are_json(client: httpx.AsyncClient, method: str, path: str, status: int,
                                         code: str) -> None:
    r = await client.request(method, path)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/json"
    assert r.json()["error"]["code"] == code and isinstance(r.json()["error"]["message"], str)
    assert "a bug" not in r.text  # no exception text leaks


async def test_pages_and_answers_carry_security_headers(client: httpx.AsyncClient) -> None:
    for path in ("/console/", "/room/r1", "/assets/js/room.js", "/api/config", "/no/such/page"):
        r = await client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"] == "no-referrer", path
        assert r.headers["x-frame-options"] == "DENY", path
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp


async def test_random_methods_do_not_grow_the_metrics(client: httpx.AsyncClient) -> None:
    for _ in range(20):
        await client.request("X" + uuid.uuid4().hex[:8].upper(), "/healthz")
    text = (await client.get("/metrics")).text
    methods = {part.split('"')[1] for part in text.split('method=')[1:]}
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
    assert 'livecore_api_requests_total{endpoint="healthz",method="other",status="405"} 20.0' in text
