"""Liveness and readiness."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .deps import json, runtime


async def healthz(request: Request) -> Response:
    return json({"ok": True})


async def readyz(request: Request) -> Response:
    rt = runtime(request)
    checks: dict[str, bool] = {}
    try:
        checks["redis"] = bool(await rt.redis.ping())
    except Exception:
        checks["redis"] = False
    if rt.db is not None:
        try:
            checks["postgres"] = await rt.db.fetchval("SELECT 1") == 1
        except Exception:
            checks["postgres"] = False
    ok = all(checks.values())
    return json({"ok": ok, "checks": checks}, status=200 if ok else 503)


def routes() -> list[BaseRoute]:
    return [Route("/healthz", healthz), Route("/readyz", readyz)]
