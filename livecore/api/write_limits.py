"""Rate limits on the API's writes: every request under ``/api/`` with a method other than GET, HEAD and
OPTIONS (creating and steering sales, coupons and lotteries, buying, claiming, entering, paying, moderation).

One token bucket per bearer token and one per client address; a request over either answers 429
``rate_limited`` with ``retry_after`` (seconds) in the usual error body and a ``Retry-After`` header. Signed
payment-provider callbacks are not limited (the provider is one client sending for every buyer). Plain ASGI,
like the metrics middleware; the clock is monotonic time, the buckets live with the app.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from urllib.parse import parse_qs

import msgspec
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from ..config import Settings
from ..core.conncaps import client_address
from ..core.ratelimit import RateLimiter
from ..protocol.codes import ErrorCode
from .status import status_of

READS = frozenset({"GET", "HEAD", "OPTIONS"})
EXEMPT = frozenset({"/api/payments/callback"})
_SWEEP_EVERY_S = 30.0


class WriteLimits:
    """The decision, without ASGI: ``check`` returns 0.0 (allowed) or the seconds to wait."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.tokens = RateLimiter(settings.api_write_rate, settings.api_write_burst)
        self.addresses = RateLimiter(settings.api_address_rate, settings.api_address_burst)
        self.clock = clock
        self._swept = clock()

    def check(self, token: str, address: str) -> float:
        now = self.clock()
        if now - self._swept >= _SWEEP_EVERY_S:
            self.tokens.sweep(now)
            self.addresses.sweep(now)
            self._swept = now
        wait = self.addresses.take(address, now) if address else 0.0
        if wait:
            return wait
        return self.tokens.take(token, now) if token else 0.0


class WriteLimitMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.limits = WriteLimits(settings)
        self.header = settings.client_address_header

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] in READS or not scope["path"].startswith("/api/")
                or scope["path"] in EXEMPT):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        client = scope.get("client")
        address = client_address(client[0] if client else "", headers, self.header)
        wait = self.limits.check(bearer(headers, scope.get("query_string", b"")), address)
        if not wait:
            await self.app(scope, receive, send)
            return
        retry_after = round(wait, 3)
        body = msgspec.json.encode({"error": {"code": ErrorCode.RATE_LIMITED.value,
                                              "message": "too many requests, retry later", "retry_after": retry_after}})
        await send({"type": "http.response.start", "status": status_of(ErrorCode.RATE_LIMITED), "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(max(1, math.ceil(wait))).encode())]})
        await send({"type": "http.response.body", "body": body})


def bearer(headers: Headers, query: bytes = b"") -> str:
    """The request's token as the routes read it: the bearer header, else the ``token`` query parameter."""
    header = headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return parse_qs(query.decode("latin-1")).get("token", [""])[0]
