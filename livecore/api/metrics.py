"""Prometheus metrics of the API process: requests by endpoint and status, latency, process figures.

The registry belongs to the app (``app.state.metrics``), not to the module, so several apps in one process
(tests) do not share counters. ``MetricsMiddleware`` is plain ASGI: it adds no task or copy per request.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.process_collector import ProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..generation import GenerationCollector, GenerationWatch

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        self.requests = Counter("livecore_api_requests", "HTTP requests answered",
                                ["method", "endpoint", "status"], registry=self.registry)
        self.latency = Histogram("livecore_api_request_seconds", "HTTP request latency", ["endpoint"],
                                 registry=self.registry,
                                 buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
        self.generation = GenerationCollector(None)
        self.registry.register(self.generation)

    def watch_generation(self, watch: GenerationWatch | None) -> None:
        self.generation.watch = watch


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            endpoint = scope.get("endpoint")
            name = getattr(endpoint, "__name__", "unmatched")  # the handler, not the raw path: bounded labels
            self.metrics.requests.labels(scope["method"], name, str(status)).inc()
            self.metrics.latency.labels(name).observe(time.perf_counter() - started)


async def metrics_endpoint(request: Request) -> Response:
    metrics: Any = request.app.state.metrics
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE)


def routes() -> list[BaseRoute]:
    return [Route("/metrics", metrics_endpoint)]
