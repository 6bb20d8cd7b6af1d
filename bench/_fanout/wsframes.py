"""The client side of RFC 6455, reduced to what a load generator needs (pure, no I/O).

Drainer viewers must not spend CPU on frames they throw away, so ``FrameScanner`` reads frame *headers*
only and skips payloads by length; payloads are assembled only for control frames (ping, close) and, while
``capture`` is on, for data frames (the ``joined`` answer of every viewer, every frame of a probe).
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA


def handshake_request(host: str, port: int, path: str) -> tuple[bytes, bytes]:
    """The HTTP upgrade request (no extensions: room traffic is not compressed) and its key."""
    key = base64.b64encode(os.urandom(16))
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key.decode()}\r\n\r\n"
    ).encode()
    return request, key


def check_handshake(head: bytes, key: bytes) -> str | None:
    """``None`` when ``head`` (the response up to the blank line) accepts the upgrade, else the reason."""
    lines = head.split(b"\r\n")
    status = lines[0].split(b" ", 2)
    if len(status) < 2 or status[1] != b"101":
        return lines[0].decode("latin-1", "replace")
    accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"sec-websocket-accept":
            return None if value.strip() == accept else "bad Sec-WebSocket-Accept"
    return "no Sec-WebSocket-Accept"


def client_frame(payload: bytes, opcode: int = OP_TEXT) -> bytes:
    """One masked, unfragmented client frame."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return head + mask + _xor(payload, mask)


def _xor(data: bytes, mask: bytes) -> bytes:
    if not data:
        return b""
    n = len(data)
    repeated = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(repeated, "little")).to_bytes(n, "little")


class FrameScanner:
    """Counts server frames and bytes from a byte stream, reading headers only.

    ``feed`` returns ``None`` in the common case, or a list of ``(opcode, payload)`` for the frames it had
    to assemble (control frames always, data frames while ``capture`` is true). Server frames are never
    masked; a masked one, or a fragmented data frame, is a protocol error (``ValueError``).
    """

    __slots__ = ("frames", "payload_bytes", "bytes", "capture", "_skip", "_pending")

    def __init__(self, capture: bool = False) -> None:
        self.frames = 0  # data frames (text/binary) seen, captured or not
        self.payload_bytes = 0  # payload bytes of those data frames
        self.bytes = 0  # every byte received after the handshake
        self.capture = capture
        self._skip = 0  # payload bytes of the current skipped frame still to come
        self._pending = b""  # an incomplete header, or an incomplete frame being captured

    def feed(self, data: bytes | bytearray | memoryview) -> list[tuple[int, bytes]] | None:
        n = len(data)
        self.bytes += n
        pos = 0
        skip = self._skip
        if skip:
            if skip >= n:
                self._skip = skip - n
                return None
            pos = skip
            self._skip = 0
        if self._pending:
            data = self._pending + bytes(data[pos:])
            self._pending = b""
            pos = 0
            n = len(data)
        out: list[tuple[int, bytes]] | None = None
        while pos < n:
            if n - pos < 2:
                self._pending = bytes(data[pos:])
                break
            b0 = data[pos]
            b1 = data[pos + 1]
            if b1 & 0x80:
                raise ValueError("masked server frame")
            length = b1 & 0x7F
            start = pos + 2
            if length == 126:
                if n - pos < 4:
                    self._pending = bytes(data[pos:])
                    break
                length = (data[pos + 2] << 8) | data[pos + 3]
                start = pos + 4
            elif length == 127:
                if n - pos < 10:
                    self._pending = bytes(data[pos:])
                    break
                length = int.from_bytes(data[pos + 2:pos + 10], "big")
                start = pos + 10
            opcode = b0 & 0x0F
            if opcode in (OP_TEXT, OP_BINARY):
                if not b0 & 0x80:
                    raise ValueError("fragmented server frame")
                self.frames += 1
                self.payload_bytes += length
                keep = self.capture
            elif opcode >= OP_CLOSE:
                keep = True
            else:
                raise ValueError(f"unexpected opcode {opcode}")
            end = start + length
            if not keep:
                if end > n:
                    self._skip = end - n
                    break
                pos = end
                continue
            if end > n:
                if opcode in (OP_TEXT, OP_BINARY):  # counted now; do not count it again
                    self.frames -= 1
                    self.payload_bytes -= length
                self._pending = bytes(data[pos:])
                break
            if out is None:
                out = []
            out.append((opcode, bytes(data[start:end])))
            pos = end
        return out
