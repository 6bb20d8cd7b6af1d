"""Builds the Starlette app. The lifespan opens one ``Runtime`` and every route module gets it.

Route modules each expose ``routes() -> list[BaseRoute]``; handlers reach the runtime through
``deps.runtime(request)``. The core's modules are listed here; a feature's come from its ``Feature.routes``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..config import Settings
from ..core.outcome import RefusedError
from ..features import registry
from ..protocol.codes import ErrorCode
from ..runtime import open_runtime
from .access_log import AccessLogMiddleware
from .deps import ApiError, error_response
from .errors import on_api_error, on_http_exception, on_refused, on_unexpected
from .headers import SecurityHeadersMiddleware
from .limits import BodyLimitMiddleware
from .metrics import ApiMetrics, MetricsMiddleware
from .rooms_routes import register_rooms
from .write_limits import WriteLimitMiddleware

log = logging.getLogger(__name__)

CORE_ROUTE_MODULES: list[str] = [
    "livecore.api.health",
    "livecore.api.metrics",
    "livecore.api.rooms_routes",
    "livecore.api.products_routes",
    "livecore.api.live_routes",
    "livecore.api.moderation_routes",
    "livecore.api.pages",
    "livecore.api.ranking_routes",
    "livecore.api.demo_routes",
    "livecore.api.docs_routes",
]
ROUTE_MODULES: list[str] = CORE_ROUTE_MODULES + registry.route_modules()
"""The core's route modules, then every registered feature's (``livecore.features.registry``)."""


def collect_routes(modules: list[str]) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for name in modules:
        routes.extend(importlib.import_module(name).routes())
    return routes


def build_app(settings: Settings, modules: list[str] | None = None) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_runtime(settings) as rt:
            app.state.runtime = rt
            metrics.watch_generation(rt.generation)
            await register_rooms(rt)  # rooms created before the rankings knew rooms, or before a Redis loss
            app.state.services = []  # made on first use (``deps.app_service``), closed before the runtime
            try:
                yield
            finally:
                for svc in reversed(app.state.services):
                    try:
                        await svc.close()
                    except Exception:
                        log.exception("api: closing %s failed", type(svc).__name__)

    async def on_bad_data(request: Request, exc: Exception) -> Response:
        # input PostgreSQL cannot take (a NUL in a path or query value, a number out of range): bad input
        return error_response(ApiError(ErrorCode.INVALID, "the database refused a value: " + type(exc).__name__))

    metrics = ApiMetrics()
    app = Starlette(routes=collect_routes(ROUTE_MODULES if modules is None else modules), lifespan=lifespan,
                    exception_handlers={ApiError: on_api_error, RefusedError: on_refused,
                                        HTTPException: on_http_exception, asyncpg.DataError: on_bad_data,
                                        Exception: on_unexpected},
                    middleware=[*([Middleware(AccessLogMiddleware)] if settings.access_log else []),
                                Middleware(MetricsMiddleware, metrics=metrics), Middleware(SecurityHeadersMiddleware),
                                Middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes),
                                Middleware(WriteLimitMiddleware, settings=settings)])
    app.state.metrics = metrics
    return app
