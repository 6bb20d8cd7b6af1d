"""Every error the API answers is the usual JSON body, including the framework's own (unknown path, wrong
method, an unexpected exception): ``{"error": {"code", "message"}}``."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from .deps import ApiError, error_response

log = logging.getLogger(__name__)

_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 429: "rate_limited"}


async def on_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _CODES.get(exc.status_code, "invalid" if exc.status_code < 500 else "internal")
    response = error_response(ApiError(exc.status_code, code, str(exc.detail)))
    response.headers.update(exc.headers or {})  # e.g. Allow on 405
    return response


async def on_unexpected(request: Request, exc: Exception) -> Response:
    log.error("api: %s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(ApiError(500, "internal", "internal error"))
