"""A cap on request bodies, checked before anything reads them in full (plain ASGI).

A declared ``Content-Length`` over the cap is answered 413 at once, without reading a byte of the body; a body
without one (chunked) is counted while it streams in and refused as soon as it passes the cap, so a handler
never holds more than ``max_body_bytes`` of it. The answer is the API's usual error body, code ``too_large``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..protocol.codes import ErrorCode
from .deps import ApiError, error_response


class BodyTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(ErrorCode.TOO_LARGE, f"request body over {limit} bytes")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.limit = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.limit:
            await error_response(BodyTooLarge(self.limit))(scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge as exc:  # raised where no handler turned it into the answer
            if started:
                raise
            await error_response(exc)(scope, receive, send)


def declared_length(scope: Scope) -> int | None:
    """The request's ``Content-Length``; None when absent or unreadable (the server then frames the body)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
