"""The ``websockets`` (pure Python) server under the gateway: the fallback, and the A/B reference.

One task per connection reads whole messages (``recv``) and hands them to the connection logic in order;
``max_queue`` bounds what is read ahead of it. Frames are written straight to the socket's transport.
"""

from __future__ import annotations

import asyncio
import weakref
from http import HTTPStatus
from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State

from ..auth import Identity
from ..config import Settings
from .connlog import closed_by
from .handshake import TokenRefusal
from .link import Acceptor, Handshake, HttpAnswer

OPEN = State.OPEN


class WebsocketsLink:
    __slots__ = ("ws", "handshake", "_closer")

    def __init__(self, ws: ServerConnection, handshake: Handshake) -> None:
        self.ws = ws
        self.handshake = handshake
        self._closer: asyncio.Task[None] | None = None

    @property
    def transport(self) -> asyncio.WriteTransport:
        return self.ws.transport

    @property
    def open(self) -> bool:
        return self.ws.protocol.state is OPEN

    @property
    def remote_address(self) -> str:
        peer = self.ws.remote_address
        return str(peer[0]) if peer else ""

    def send(self, wire: bytes) -> None:
        if self.ws.protocol.state is OPEN:
            self.ws.transport.write(wire)

    def buffered(self) -> int:
        return self.ws.transport.get_write_buffer_size()

    def close(self, code: int, reason: str) -> None:
        if self._closer is None:
            self._closer = asyncio.get_running_loop().create_task(self.ws.close(code, reason))

    def ended(self) -> tuple[str, str, str]:
        return (str(self.ws.close_code or 1006), self.ws.close_reason or "",
                closed_by(self.ws.protocol.close_rcvd_then_sent))

    async def wait_closed(self) -> None:
        await self.ws.wait_closed()


class WebsocketsListener:
    def __init__(self, server: Server) -> None:
        self.server = server

    @property
    def address(self) -> tuple[str, int]:
        name = next(iter(self.server.sockets)).getsockname()
        return str(name[0]), int(name[1])

    def close(self) -> None:
        self.server.close(close_connections=False)

    async def wait_closed(self) -> None:
        await self.server.wait_closed()


async def serve_websockets(acceptor: Acceptor, settings: Settings, host: str, port: int,
                           reuse_port: bool) -> WebsocketsListener:
    admitted: weakref.WeakKeyDictionary[ServerConnection, tuple[Handshake, Identity | TokenRefusal]] = (
        weakref.WeakKeyDictionary())

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        handshake = Handshake(url.path, url.query, request.headers)
        answer = acceptor.admit(handshake)
        if isinstance(answer, HttpAnswer):
            headers = Headers([("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body))),
                               ("Connection", "close")])
            return Response(answer.status, _reason(answer.status), headers, answer.body)
        admitted[connection] = (handshake, answer)
        return None

    async def handler(ws: ServerConnection) -> None:
        handshake, admission = admitted.pop(ws)
        link = WebsocketsLink(ws, handshake)
        peer = acceptor.connected(link, admission)
        if peer is None:
            await ws.wait_closed()
            return
        try:
            while True:
                try:
                    message = await ws.recv(decode=None)  # text frames as str, binary frames as bytes
                except ConnectionClosed:
                    return
                try:
                    await peer.receive(message)
                except ConnectionClosed:
                    return
        finally:
            acceptor.disconnected(peer)

    server = await serve(
        handler, host, port, process_request=process_request, max_size=settings.max_frame_bytes,
        compression=None, ping_interval=None, max_queue=16, close_timeout=5, reuse_port=reuse_port or None,
        server_header=None)
    return WebsocketsListener(server)


def _reason(status: int) -> str:
    return HTTPStatus(status).phrase
