"""How a route module describes its operations for the OpenAPI document (``livecore.contracts.openapi``).

Each route module keeps its own ``OPERATIONS`` (endpoint -> ``Op``) beside its ``routes()``;
``livecore.api.operations`` gathers them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Param:
    name: str
    kind: Any = str
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Op:
    summary: str
    auth: str = "public"  # public | token (any valid token) | host (the room's host or an admin) | signature
    body: Any = None  # the msgspec Struct decoded from the JSON body
    body_optional: bool = False  # an empty body means the Struct's defaults
    query: tuple[Param, ...] = ()
    ok: int = 200
    returns: Any = None  # a type for the answer's schema; None: a JSON object
    errors: tuple[int, ...] = ()  # codes beyond those implied by auth, body and path parameters
    media: str = "application/json"
    tags: tuple[str, ...] = field(default=())


N = Param("n", int, "how many (bounded)")
SESSION = Param("session", str, "a live session id; default the current one")
DB = (503,)  # the database or Redis is down
