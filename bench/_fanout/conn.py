"""One WebSocket viewer connection on a raw asyncio ``BufferedProtocol``.

No per-connection task, no reader coroutine, no message objects: bytes land in one buffer shared by every
connection of the process (a protocol's ``get_buffer`` and ``buffer_updated`` run back to back on the loop
thread, so sharing is safe) and ``FrameScanner`` counts them. Probes and senders ask for every text frame
through ``on_text``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import msgspec

from .wsframes import (
    OP_BINARY,
    OP_CLOSE,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    FrameScanner,
    check_handshake,
    client_frame,
    handshake_request,
)

OnText = Callable[[bytes, float], None]


class _Typed(msgspec.Struct):
    type: str = ""


_type_decoder = msgspec.json.Decoder(_Typed)


def message_type(payload: bytes) -> str:
    """The ``type`` of a server message, or ``""`` when it is not a JSON object with one."""
    try:
        return _type_decoder.decode(payload).type
    except msgspec.DecodeError:
        return ""


class SharedBuffer:
    """The receive buffer every connection of a process reads into."""

    def __init__(self, size: int = 256 * 1024) -> None:
        self.data = bytearray(size)
        self.view = memoryview(self.data)


class Viewer(asyncio.BufferedProtocol):
    def __init__(self, buf: SharedBuffer, host: str, port: int, path: str, join: bytes,
                 on_text: OnText | None = None) -> None:
        self.buf = buf
        self.host, self.port, self.path = host, port, path
        self.join = join
        self.on_text = on_text  # None: a drainer, frames after "joined" are only counted
        self.scanner = FrameScanner(capture=True)
        self.transport: asyncio.Transport | None = None
        self.joined: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.close_code: int | None = None
        self.error: str | None = None
        self._head = b""
        self._key = b""
        self._upgraded = False

    # -- asyncio protocol -------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transports are not subclasses
        request, self._key = handshake_request(self.host, self.port, self.path)
        transport.write(request)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.buf.view

    def buffer_updated(self, nbytes: int) -> None:
        data = self.buf.view[:nbytes]
        if not self._upgraded:
            data = self._handshake(data)
            if not data:
                return
        try:
            captured = self.scanner.feed(data)
        except ValueError as exc:
            self._fail(f"protocol: {exc}")
            return
        if captured is not None:
            self._captured(captured)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.joined.done():
            self.joined.set_exception(ConnectionError(self.error or f"closed before joined ({exc})"))
        if not self.closed.done():
            self.closed.set_result(self.close_code if self.close_code is not None else 1006)

    # -- sending ----------------------------------------------------------------------------------
    def send_text(self, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(payload, OP_TEXT))

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(b"\x03\xe8", OP_CLOSE))
            self.transport.close()

    # -- internals --------------------------------------------------------------------------------
    def _handshake(self, data: memoryview) -> bytes:
        self._head += bytes(data)
        end = self._head.find(b"\r\n\r\n")
        if end < 0:
            if len(self._head) > 16384:
                self._fail("handshake response too long")
            return b""
        problem = check_handshake(self._head[:end], self._key)
        rest = self._head[end + 4:]
        self._head = b""
        if problem is not None:
            self._fail(f"handshake refused: {problem}")
            return b""
        self._upgraded = True
        assert self.transport is not None
        self.transport.write(client_frame(self.join, OP_TEXT))
        return rest

    def _captured(self, frames: list[tuple[int, bytes]]) -> None:
        now = time.time()
        for opcode, payload in frames:
            if opcode in (OP_TEXT, OP_BINARY):
                if not self.joined.done():
                    self.joined.set_result(payload)
                    if self.on_text is None:
                        self.scanner.capture = False
                    continue
                if self.on_text is not None:
                    self.on_text(payload, now)
            elif opcode == OP_PING:
                assert self.transport is not None
                self.transport.write(client_frame(payload, OP_PONG))
            elif opcode == OP_CLOSE:
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                if not self.joined.done():
                    reason = payload[2:].decode("utf-8", "replace")
                    self.joined.set_exception(ConnectionError(f"closed {self.close_code} {reason}".strip()))
                self.close()

    def _fail(self, reason: str) -> None:
        self.error = reason
        if not self.joined.done():
            self.joined.set_exception(ConnectionError(reason))
        if self.transport is not None:
            self.transport.close()


async def open_viewer(host: str, port: int, path: str, join: bytes, *, buf: SharedBuffer,
                      on_text: OnText | None = None, timeout: float = 30.0) -> tuple[Viewer, bytes]:
    """Connect, upgrade, send ``join``; return the viewer and the first text frame it got back."""
    loop = asyncio.get_running_loop()
    _, viewer = await asyncio.wait_for(
        loop.create_connection(lambda: Viewer(buf, host, port, path, join, on_text), host, port), timeout)
    try:
        first = await asyncio.wait_for(asyncio.shield(viewer.joined), timeout)
    except BaseException:
        viewer.close()
        raise
    return viewer, first
