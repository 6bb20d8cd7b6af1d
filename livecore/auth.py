"""Signed access tokens (JWT, HS256).

A token names the user, a display name, a role (viewer / host / admin), an expiry and optionally the one
room it is valid for (hosts get a room-bound token; a host of room A cannot act on room B).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import jwt

from .core.textnorm import clean_display

if TYPE_CHECKING:
    from jwt.types import Options

ALGORITHM = "HS256"


class Role(StrEnum):
    VIEWER = "viewer"
    HOST = "host"
    ADMIN = "admin"


class AuthError(Exception):
    """The token was refused. ``reason`` is ``missing``, ``expired`` or ``invalid``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Identity:
    user: str
    name: str
    role: Role
    room: str | None = None  # None: any room (viewers, admins)
    exp: int = 0

    def may_control(self, room: str) -> bool:
        """Host actions on ``room``: admins anywhere, hosts only in their own room."""
        if self.role is Role.ADMIN:
            return True
        return self.role is Role.HOST and self.room == room

    def may_join(self, room: str) -> bool:
        return self.room is None or self.room == room or self.role is Role.ADMIN


def issue(secret: str, user: str, *, role: Role | str = Role.VIEWER, name: str | None = None,
          room: str | None = None, ttl_s: int = 12 * 3600, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    claims: dict[str, object] = {
        "sub": user,
        "name": name or user,
        "role": Role(role).value,
        "iat": issued,
        "exp": issued + ttl_s,
    }
    if room is not None:
        claims["room"] = room
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(secret: str, token: str | None, *, now: float | None = None) -> Identity:
    if not token:
        raise AuthError("missing")
    options: Options = {"require": ["sub", "exp", "role"]}
    try:
        if now is None:
            claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options=options)
        else:
            claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={**options, "verify_exp": False})
            if int(claims["exp"]) <= now:
                raise jwt.ExpiredSignatureError("expired")
    except jwt.ExpiredSignatureError as exc:
        raise AuthError("expired", str(exc)) from exc
    except jwt.PyJWTError as exc:
        raise AuthError("invalid", str(exc)) from exc
    try:
        role = Role(claims["role"])
    except ValueError as exc:
        raise AuthError("invalid", f"unknown role {claims['role']!r}") from exc
    room = claims.get("room")
    # the display name reaches every viewer's screen: no bidi overrides or control characters
    name = clean_display(str(claims.get("name") or "")).strip() or str(claims["sub"])
    return Identity(user=str(claims["sub"]), name=name, role=role,
                    room=str(room) if room is not None else None, exp=int(claims["exp"]))
