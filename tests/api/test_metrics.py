"""The API serves Prometheus metrics counting its own requests."""

from __future__ import annotations

import httpx
from redis.asyncio import Redis

from livecore.api.app import build_app
from livecore.config import Settings


async def test_requests_are_counted_by_handler_and_status(settings: Settings, migrated: str, redis: Redis) -> None:
    app = build_app(settings)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c):
        assert (await c.get("/healthz")).status_code == 200
        assert (await c.get("/healthz")).status_code == 200
        assert (await c.get("/readyz")).json()["ok"] is True
        assert (await c.get("/no/such/page")).status_code == 404
        r = await c.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert 'livecore_api_requests_total{endpoint="healthz",method="GET",status="200"} 2.0' in text
    assert 'livecore_api_requests_total{endpoint="readyz",method="GET",status="200"} 1.0' in text
    assert 'livecore_api_requests_total{endpoint="unmatched",method="GET",status="404"} 1.0' in text
    assert "process_cpu_seconds_total" in text
