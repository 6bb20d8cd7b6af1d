"""What every route module needs: the runtime, the caller's identity, JSON answers and errors.

Errors are ``{"error": {"code": ..., "message": ...}}`` with the codes of ``livecore.protocol.ErrorCode``, so a
console speaks one vocabulary over HTTP and WebSocket; ``status.STATUS`` gives each code its HTTP status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import asyncpg
import msgspec
from starlette.requests import Request
from starlette.responses import Response

from ..auth import AuthError, Identity, verify
from ..core.outcome import Refusal, RefusedError
from ..protocol.codes import ErrorCode
from ..runtime import Runtime
from ..storage.audit import audit
from .status import status_of

_encoder = msgspec.json.Encoder()


class ApiError(Exception):
    """An error answer: its status comes from the code (``status.STATUS``) unless ``status`` is given."""

    def __init__(self, code: ErrorCode, message: str = "", *, status: int | None = None) -> None:
        super().__init__(message or code.value)
        self.status = status_of(code) if status is None else status
        self.code = code
        self.message = message or code.value

    @classmethod
    def of(cls, refused: Refusal | RefusedError) -> ApiError:
        """The answer to a service's refusal."""
        r = refused.refusal if isinstance(refused, RefusedError) else refused
        return cls(r.code, r.message)


def json(data: Any, status: int = 200) -> Response:
    return Response(_encoder.encode(data), status_code=status, media_type="application/json")


def error_response(err: ApiError) -> Response:
    return json({"error": {"code": err.code.value, "message": err.message}}, status=err.status)


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def database(rt: Runtime) -> asyncpg.Pool:
    """The runtime's PostgreSQL pool, or 503 ``unavailable`` in a process without one."""
    if rt.db is None:
        raise ApiError(ErrorCode.UNAVAILABLE, "no database")
    return rt.db


class Closable(Protocol):
    async def close(self) -> None: ...


S = TypeVar("S", bound=Closable)


def app_service(request: Request, name: str, make: Callable[[Runtime], S]) -> S:
    """The app's one instance of a service (made on first use), kept as ``app.state.<name>``. The app's lifespan
    closes every such service, so their pending work (throttled state, batched calls) is done before the
    runtime's connections close."""
    state = request.app.state
    svc: S | None = getattr(state, name, None)
    if svc is None:
        svc = make(runtime(request))
        setattr(state, name, svc)
        state.services.append(svc)
    return svc


def identity(request: Request) -> Identity:
    header = request.headers.get("authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else request.query_params.get("token")
    try:
        return verify(runtime(request).settings.secret, token)
    except AuthError as exc:
        raise ApiError(ErrorCode.UNAUTHORIZED, f"token {exc.reason}") from exc


def require_host(request: Request, room: str) -> Identity:
    """The caller must be the host of ``room`` (or an admin)."""
    who = identity(request)
    if not who.may_control(room):
        raise ApiError(ErrorCode.FORBIDDEN, f"this token does not control room {room}")
    return who


def require_room(request: Request, room: str) -> Identity:
    """The caller's token must allow ``room`` (a host's token is bound to its own room): viewer actions that
    touch a room's stock, coupons or lotteries (buy, claim, enter)."""
    who = identity(request)
    if not who.may_join(room):
        raise ApiError(ErrorCode.FORBIDDEN, f"this token does not allow room {room}")
    return who


async def body(request: Request, kind: type[Any]) -> Any:
    """Decode the JSON body into ``kind`` (a msgspec Struct), or answer 400 ``invalid``. Text with NUL characters
    is refused here, before any effect: PostgreSQL cannot store them."""
    raw = await request.body()
    if b"\\u0000" in raw:
        raise ApiError(ErrorCode.INVALID, "NUL characters are not allowed")
    try:
        return msgspec.json.decode(raw, type=kind)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ApiError(ErrorCode.INVALID, str(exc)) from exc


class HostCall:
    """A host action on the room of the path: who asks (checked: the room's host or an admin), the runtime, its
    database, and ``audit`` writing the action's ``audit_log`` row."""

    __slots__ = ("rt", "room", "who")

    def __init__(self, rt: Runtime, room: str, who: Identity) -> None:
        self.rt = rt
        self.room = room
        self.who = who

    @property
    def db(self) -> asyncpg.Pool:
        return database(self.rt)

    async def audit(self, action: str, detail: dict[str, Any] | None = None) -> None:
        await audit(self.db, self.room, self.who.user, action, detail)


def host_call(request: Request) -> HostCall:
    """The checked host action on ``{room}``: 403 ``forbidden`` for anyone else."""
    room = request.path_params["room"]
    return HostCall(runtime(request), room, require_host(request, room))


def limit(request: Request, default: int) -> int:
    """The ``n`` query parameter, bounded to 1..500 (400 ``invalid`` when not an integer)."""
    try:
        return max(1, min(500, int(request.query_params.get("n", default))))
    except ValueError as exc:
        raise ApiError(ErrorCode.INVALID, "n must be an integer") from exc
