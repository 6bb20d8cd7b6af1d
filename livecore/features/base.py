"""What a feature says of itself (``Feature``), and the gateway-side part that answers its client messages."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import msgspec

if TYPE_CHECKING:  # the protocol's codec reads the registry: this module imports nothing of the protocol
    from ..core.outcome import Refusal

Answer: TypeAlias = "dict[str, Any] | Refusal"
"""What a part answers a client message with: the ``result`` data, or a refusal (sent as an ``error``)."""


class Ask(msgspec.Struct, frozen=True):  # made for every feature message: a Struct is ~10x cheaper to make
    """Who asks, from where: the room the connection joined (its base room, "42" also for "host:42"), the
    user and their display name, their role, how long they have watched (seconds since the join), and the time."""

    room: str
    user: str
    name: str
    role: str
    watched_s: float
    now: float


class Part:
    """A feature's presence in one gateway process: answers the feature's client messages and, if it wants,
    hears chats and follows. Subclasses override what they use; the feature set calls a hook only on the parts
    that override it, so an unused hook costs a chat nothing."""

    def handle(self, ask: Ask, msg: Any) -> Awaitable[Answer]:
        """The answer to ``msg`` (usually an ``async def``; a part on a storm's path may return its service's
        coroutine itself, one frame fewer to suspend and resume)."""
        raise NotImplementedError

    def intercept_chat(self, ask: Ask, text: str) -> Awaitable[Answer] | None:
        """A chat this feature takes instead of the barrage (a password red packet's phrase), decided without
        I/O: ``None`` lets the chat through; an awaitable answers the sender in its place."""
        return None

    async def on_chat(self, room: str, user: str, text: str) -> None:
        """A chat that reached the barrage (run off the hot path)."""

    async def on_follow(self, room: str, user: str) -> None:
        """The user followed the host (run off the hot path)."""

    async def close(self) -> None:
        """Flush what the part buffers; called once when the gateway stops."""


@dataclass(frozen=True, slots=True)
class Feature:
    """One room feature, as the processes that run it need to know it.

    ``gateway`` names a factory ``(Runtime) -> Part`` as ``"module:attribute"``; ``routes`` names route modules
    (each with ``routes() -> list[BaseRoute]``); ``workers`` maps a worker name to its factory
    ``(Runtime, consumer) -> Worker``; ``state`` maps a room state key pattern to what it holds; ``commands``
    maps a ``livecore <command>`` to its module (``configure(parser)``, ``run(args, settings)``) and help
    line; ``console`` and ``viewer`` are ES modules under ``livecore/console/js/`` that register the feature's
    panel and widget; ``restore`` names the feature's part of ``livecore restore``, an async function
    ``(Runtime, RestoreScope) -> list[Restored]`` that rebuilds what Redis lost from PostgreSQL's record."""

    name: str
    messages: tuple[type[msgspec.Struct], ...] = ()
    events: tuple[type[msgspec.Struct], ...] = ()
    gateway: str | None = None
    routes: tuple[str, ...] = ()
    workers: Mapping[str, str] = field(default_factory=dict)
    state: Mapping[str, str] = field(default_factory=dict)
    commands: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    console: str | None = None
    viewer: str | None = None
    restore: str | None = None


@dataclass(frozen=True, slots=True)
class RestoreScope:
    """What one ``livecore restore`` covers: every room or ``room``; every feature or only ``feature`` (the
    core's flash sales are ``"sales"``), and of it only the record ``ident`` (a sale, a coupon batch, ...)."""

    room: str | None = None
    feature: str | None = None
    ident: str | None = None

    def covers(self, feature: str) -> bool:
        return self.feature is None or self.feature == feature

    def only(self, feature: str) -> str | None:
        """The one id of ``feature`` to restore (``None``: all of its records in scope)."""
        return self.ident if self.feature == feature else None

    @property
    def everything(self) -> bool:
        """Every room and every feature: the restore that lifts the "restore required" state."""
        return self.room is None and self.feature is None


class Restored(Protocol):
    """One record a restore looked at: ``restored`` False when Redis still held it (left alone)."""

    @property
    def restored(self) -> bool: ...

    def text(self) -> str:
        """One line for the operator."""
        ...

    def as_dict(self) -> dict[str, Any]:
        """The same as JSON-ready data (``livecore restore --json``)."""
        ...


def resolve(target: str) -> Any:
    """The object a ``"module:attribute"`` name points at."""
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)
