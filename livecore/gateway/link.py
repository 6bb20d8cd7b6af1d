"""The seam between the gateway's connection logic and the WebSocket server under it.

A transport (``transport_picows``, ``transport_websockets``) parses the opening handshake into a ``Handshake``,
asks the ``Acceptor`` what to answer, and for an accepted connection hands the ``Acceptor`` a ``Link``: the few
things the connection logic needs from a socket. Room frames are complete WebSocket frames encoded once
(``fanout.wire_text``) and written to every viewer's ``transport`` as they are; both servers send unmasked,
uncompressed frames, so the same bytes are valid on either.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from ..auth import Identity
from .handshake import TokenRefusal


@dataclass(frozen=True, slots=True)
class Handshake:
    """The opening request as the connection logic sees it; ``headers`` ignores case (both servers' maps do)."""

    path: str
    query: str
    headers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """A plain HTTP response instead of the upgrade (``/healthz``, ``/metrics``, 401, 404)."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"


Admission = Identity | TokenRefusal | HttpAnswer


class Link(Protocol):
    """One accepted WebSocket as the connection logic uses it."""

    @property
    def transport(self) -> asyncio.WriteTransport: ...  # the socket's: complete frames are written straight to it

    @property
    def open(self) -> bool: ...  # False once a close frame was sent or received: nothing more is written

    @property
    def remote_address(self) -> str: ...

    @property
    def handshake(self) -> Handshake: ...

    def send(self, wire: bytes) -> None: ...  # one complete frame (``wire_text``); dropped when not open

    def buffered(self) -> int: ...  # bytes waiting in the outgoing buffer

    def close(self, code: int, reason: str) -> None: ...  # starts the closing handshake; idempotent

    def ended(self) -> tuple[str, str, str]: ...  # the close code, its reason, who closed first (server/client/-)

    async def wait_closed(self) -> None: ...


class Peer(Protocol):
    """What the transport feeds: the connection logic of one accepted link."""

    async def receive(self, message: str | bytes) -> None: ...  # one whole message: text as str, binary as bytes


class Acceptor(Protocol):
    """The gateway as the transports see it."""

    def admit(self, handshake: Handshake) -> Admission: ...

    def connected(self, link: Link, admission: Identity | TokenRefusal) -> Peer | None: ...  # None: closed at once

    def disconnected(self, peer: Peer) -> None: ...


class Listener(Protocol):
    """A listening server of either transport."""

    @property
    def address(self) -> tuple[str, int]: ...  # the bound (host, port)

    def close(self) -> None: ...  # stop accepting; open connections stay

    async def wait_closed(self) -> None: ...
