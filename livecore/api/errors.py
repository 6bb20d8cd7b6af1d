"""Every error the API answers is the usual JSON body, including the framework's own (unknown path, wrong
method, an unexpected exception): ``{"error": {"code", "message"}}``."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ..core.outcome import RefusedError
from ..protocol.codes import ErrorCode
from .deps import ApiError, error_response
from .status import code_for_status

log = logging.getLogger(__name__)


async def on_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def on_refused(request: Request, exc: Exception) -> Response:
    """A service's refusal (``RefusedError``) answered with its code's status."""
    assert isinstance(exc, RefusedError)
    return error_response(ApiError.of(exc))


async def on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = code_for_status(exc.status_code)
    response = error_response(ApiError(code, str(exc.detail), status=exc.status_code))
    response.headers.update(exc.headers or {})  # e.g. Allow on 405
    return response


async def on_unexpected(request: Request, exc: Exception) -> Response:
    log.error("api: %s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(ApiError(ErrorCode.INTERNAL, "internal error"))
