"""The one map from a refusal's code to its HTTP status (and back, for the framework's own errors)."""

from __future__ import annotations

from ..protocol.codes import ErrorCode

# first code of each status first: the reverse map picks it (``invalid`` for 400, ``internal`` for 500)
STATUS: dict[ErrorCode, int] = {
    ErrorCode.INVALID: 400,
    ErrorCode.BAD_FRAME: 400,
    ErrorCode.UNKNOWN_TYPE: 400,
    ErrorCode.TOO_LONG: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.INTERNAL: 500,
    ErrorCode.UNAVAILABLE: 503,
}
CONFLICT = 409  # every other code: a business refusal (sold out, ended, already, busy, ...)

_CODE_OF_STATUS: dict[int, ErrorCode] = {status: code for code, status in reversed(STATUS.items())}


def status_of(code: ErrorCode) -> int:
    return STATUS.get(code, CONFLICT)


def code_for_status(status: int) -> ErrorCode:
    """The code of a framework error answered with ``status`` (an unknown path, a wrong method ...)."""
    return _CODE_OF_STATUS.get(status, ErrorCode.INVALID if status < 500 else ErrorCode.INTERNAL)
