"""The API's access log: one line per HTTP request in the Common Log Format, on the ``livecore.access`` logger.

    127.0.0.1 - - [07/Dec/2026:06:30:00 +0000] "GET /api/rooms/demo HTTP/1.1" 200 123

Tokens never reach the log: the value of a ``token`` query parameter (the pages and the report PNG take one)
is replaced by ``REDACTED``. ``LIVECORE_ACCESS_LOG=0`` turns the log off.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("livecore.access")
_TOKEN = re.compile(r"(^|&)(token=)[^&]*")


def redact(query: str) -> str:
    return _TOKEN.sub(r"\1\2REDACTED", query)


def clf_line(client: str, method: str, path: str, query: str, http_version: str, status: int, size: int,
             when: datetime) -> str:
    """One Common Log Format line (pure); ``size`` 0 is written ``-``, as the format wants."""
    target = path + ("?" + redact(query) if query else "")
    stamp = when.strftime("%d/%b/%Y:%H:%M:%S %z")
    return f'{client or "-"} - - [{stamp}] "{method} {target} HTTP/{http_version}" {status} {size or "-"}'


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status, size = 500, 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            client = scope.get("client")
            log.info("%s", clf_line(client[0] if client else "-", scope["method"], scope.get("path", ""),
                                    scope.get("query_string", b"").decode("latin-1"), scope.get("http_version", "1.1"),
                                    status, size, datetime.now(UTC)))
