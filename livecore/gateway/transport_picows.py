"""The picows (Cython) server under the gateway: the default.

picows parses frames in C and calls back per frame, so an idle connection costs one object (this module's
``PicowsLink``, which is both picows' listener and the connection logic's ``Link``) and no task. A task is
started only while messages wait for the connection logic, which handles one message at a time in order;
more than ``MAX_QUEUE`` waiting pauses reading from the socket, as ``websockets``' ``max_queue`` does.

The outgoing buffer is the socket transport's: its size is what the slow-consumer policy reads, and its
high-water mark is set to the policy's, so ``pause_writing`` / ``resume_writing`` say when a viewer is behind.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from multidict import CIMultiDict
from picows import (
    WSCloseCode,
    WSFrame,
    WSListener,
    WSMsgType,
    WSTransport,
    WSUpgradeRequest,
    WSUpgradeResponse,
    WSUpgradeResponseWithListener,
    ws_create_server,
)

from ..auth import Identity
from ..config import Settings
from .handshake import TokenRefusal
from .link import Acceptor, Handshake, HttpAnswer, Peer

log = logging.getLogger(__name__)

ANSWERED = Handshake("", "", {})
# one logger for every connection: given a Logger, picows makes a child logger per connection
LOGGER = logging.LoggerAdapter(logging.getLogger("picows.gateway"), {})
MAX_QUEUE = 16  # messages read ahead of the connection logic before the socket is paused
CLOSE_TIMEOUT_S = 5.0  # after our close frame, how long the peer has to answer before the socket is cut
_TEXT, _BINARY, _CONT, _CLOSE = WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.CONTINUATION, WSMsgType.CLOSE


class PicowsLink(WSListener):
    __slots__ = ("acceptor", "admission", "handshake", "max_bytes", "high_water", "ws", "transport", "open",
                 "peer", "inbox", "draining", "paused", "behind", "partial", "_closed", "_end")

    def __init__(self, acceptor: Acceptor, admission: Identity | TokenRefusal, handshake: Handshake,
                 max_bytes: int, high_water: int) -> None:
        self.acceptor = acceptor
        self.admission: Identity | TokenRefusal | None = admission
        self.handshake = handshake
        self.max_bytes = max_bytes
        self.high_water = high_water
        self.ws: WSTransport | None = None
        self.transport: Any = None
        self.open = False
        self.peer: Peer | None = None
        self.inbox: deque[str | bytes] | None = None  # messages waiting while one is being handled
        self.draining = False
        self.paused = False  # reading paused: too many messages waiting
        self.behind = False  # the socket's buffer is above the high-water mark (pause_writing)
        self.partial: list[bytes] | None = None  # a fragmented message being reassembled
        self._closed: asyncio.Future[None] | None = None
        self._end: tuple[str, str, str] | None = None  # the first close frame: code, reason, who sent it

    # -- the Link ------------------------------------------------------------------------------------
    @property
    def remote_address(self) -> str:
        peer = self.transport.get_extra_info("peername") if self.transport is not None else None
        return str(peer[0]) if peer else ""

    def send(self, wire: bytes) -> None:
        if self.open:
            self.transport.write(wire)

    def buffered(self) -> int:
        return int(self.transport.get_write_buffer_size())

    def close(self, code: int, reason: str) -> None:
        ws = self.ws
        if ws is None or ws.is_close_frame_sent:
            return
        self.open = False
        if self._end is None:
            self._end = (str(code), reason, "server")
        ws.send_close(WSCloseCode(code), reason.encode())
        if self.inbox:
            self.inbox.clear()  # nothing more is handled; the peer's close frame must still be read
        if self.paused:
            self.paused = False
            self.transport.resume_reading()
        asyncio.get_running_loop().call_later(CLOSE_TIMEOUT_S, ws.disconnect)

    def ended(self) -> tuple[str, str, str]:
        return self._end or ("1006", "", "-")

    async def wait_closed(self) -> None:
        if self.ws is not None:
            await self.ws.wait_disconnected()

    # -- picows callbacks ----------------------------------------------------------------------------
    def on_ws_connected(self, transport: WSTransport) -> None:
        self.ws = transport
        self.transport = transport.underlying_transport
        self.transport.set_write_buffer_limits(high=self.high_water)
        self.open = True
        admission, self.admission = self.admission, None
        assert admission is not None
        self.peer = self.acceptor.connected(self, admission)
        self.handshake = ANSWERED  # read by the connection logic once, above; its headers need not stay

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if transport.is_close_frame_sent and kind is not _CLOSE:
            # closing (by us, or by picows' parser: a frame over max_frame_size gets 1009 and its payload
            # still arrives here): nothing more is read or written but the peer's close frame
            self.open = False
            return
        if kind is _TEXT and frame.fin and self.partial is None:
            try:
                self._deliver(frame.get_payload_as_utf8_text())
            except UnicodeDecodeError:
                self._fail(1007, "invalid UTF-8")
            return
        if kind is _CLOSE:
            self._closing_received(frame)
        elif kind is _TEXT or kind is _BINARY or kind is _CONT:
            self._fragment(frame)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.open = False
        peer, self.peer = self.peer, None
        if peer is not None:
            self.acceptor.disconnected(peer)

    def pause_writing(self) -> None:
        self.behind = True

    def resume_writing(self) -> None:
        self.behind = False

    # -- reading -------------------------------------------------------------------------------------
    def _fragment(self, frame: WSFrame) -> None:
        """Reassemble a fragmented message (or take an unfragmented binary one), within ``max_bytes``."""
        kind = frame.msg_type
        if kind is _CONT:
            if self.partial is None:
                self._fail(1002, "continuation without a message")
                return
        elif self.partial is not None:
            self._fail(1002, "new message inside a fragmented one")
            return
        else:
            self.partial = [b"\x01" if kind is _TEXT else b"\x02"]
        parts = self.partial
        parts.append(frame.get_payload_as_bytes())
        if sum(len(p) for p in parts) - 1 > self.max_bytes:
            self._fail(1009, "message too big")
            return
        if not frame.fin:
            return
        self.partial = None
        data = b"".join(parts[1:])
        if parts[0] == b"\x02":
            self._deliver(data)
            return
        try:
            self._deliver(data.decode())
        except UnicodeDecodeError:
            self._fail(1007, "invalid UTF-8")

    def _closing_received(self, frame: WSFrame) -> None:
        ws = self.ws
        assert ws is not None
        self.open = False
        if self._end is None:
            self._end = (str(frame.get_close_code().value), (frame.get_close_message() or b"").decode(errors="replace"),
                         "client")
        if not ws.is_close_frame_sent:
            code = frame.get_close_code()
            ws.send_close(code if code is not WSCloseCode.NO_INFO else WSCloseCode.OK, frame.get_close_message())
        ws.disconnect()

    def _fail(self, code: int, reason: str) -> None:
        self.close(code, reason)

    def _deliver(self, message: str | bytes) -> None:
        if self.peer is None or not self.open:
            return
        if self.draining:
            inbox = self.inbox
            if inbox is None:
                inbox = self.inbox = deque()
            inbox.append(message)
            if len(inbox) >= MAX_QUEUE and not self.paused:
                self.paused = True
                self.transport.pause_reading()
            return
        self.draining = True
        asyncio.get_running_loop().create_task(self._drain(message))

    async def _drain(self, message: str | bytes) -> None:
        try:
            while True:
                peer = self.peer
                if peer is None:
                    return
                await peer.receive(message)
                inbox = self.inbox
                if not inbox:
                    return
                message = inbox.popleft()
                if self.paused and len(inbox) < MAX_QUEUE // 2:
                    self.paused = False
                    self.transport.resume_reading()
        finally:
            self.draining = False
            self.inbox = None


class PicowsListener:
    def __init__(self, server: asyncio.Server) -> None:
        self.server = server

    @property
    def address(self) -> tuple[str, int]:
        name = self.server.sockets[0].getsockname()
        return str(name[0]), int(name[1])

    def close(self) -> None:
        self.server.close()

    async def wait_closed(self) -> None:
        await self.server.wait_closed()


def _response(answer: HttpAnswer) -> WSUpgradeResponse:
    response = WSUpgradeResponse()
    response.version = b"HTTP/1.1"
    response.status = HTTPStatus(answer.status)
    response.headers = CIMultiDict([("Content-Type", answer.content_type), ("Connection", "close")])
    response.body = answer.body
    return response


async def serve_picows(acceptor: Acceptor, settings: Settings, host: str, port: int,
                       reuse_port: bool) -> PicowsListener:
    max_bytes, high_water = settings.max_frame_bytes, settings.slow_high_water

    def factory(request: WSUpgradeRequest) -> PicowsLink | WSUpgradeResponseWithListener:
        url = urlsplit(request.path.decode("latin-1"))
        handshake = Handshake(url.path, url.query, request.headers)
        answer = acceptor.admit(handshake)
        if isinstance(answer, HttpAnswer):
            return WSUpgradeResponseWithListener(_response(answer), None)
        return PicowsLink(acceptor, answer, handshake, max_bytes, high_water)

    server = await ws_create_server(
        factory, host, port, max_frame_size=max_bytes, enable_auto_ping=False, enable_auto_pong=True,
        websocket_handshake_timeout=10, reuse_port=reuse_port or None, read_buffer_init_size=1024,
        logger_name=LOGGER, use_aiofastnet=False)
    return PicowsListener(server)
