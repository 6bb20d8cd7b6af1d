"""The buyers of one load-generator process: raw asyncio sockets speaking just enough WebSocket.

2000 Python WebSocket clients compete with the gateways for the same cores, so a buyer costs as little as
possible: no task and no message objects per connection; ``buy`` frames are built from a bytes template and
masked (client frames must be); server frames are read by header (``FrameScanner``) and only ``result`` /
``error`` payloads are decoded, recognised by their first bytes, while room ``frame`` messages are dropped
unread. Each buyer sends its next attempt as soon as the previous answer arrives.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any
from urllib.parse import quote, urlsplit

import msgspec

from _fanout.wsframes import (
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

from .stats import Tally

TYPE_AT = len(b'{"type":"')  # msgspec writes the tag first: {"type":"result",...


class _Data(msgspec.Struct):
    order: str = ""


class _Answer(msgspec.Struct):
    type: str
    code: str = ""
    data: _Data | None = None


_answer = msgspec.json.Decoder(_Answer)


class Buyer(asyncio.Protocol):
    __slots__ = ("host", "port", "path", "join", "prefix", "left", "seq", "tally", "scanner", "transport",
                 "joined", "finished", "sent_at", "head", "key", "upgraded", "lost")

    def __init__(self, host: str, port: int, path: str, join: bytes, prefix: bytes, attempts: int,
                 tally: Tally) -> None:
        loop = asyncio.get_running_loop()
        self.host, self.port, self.path = host, port, path
        self.join = join
        self.prefix = prefix  # b'{"type":"buy","sale":"S","key":"USER-'
        self.left = attempts
        self.seq = 0
        self.tally = tally
        self.scanner = FrameScanner(capture=True)
        self.transport: asyncio.Transport | None = None
        self.joined: asyncio.Future[None] = loop.create_future()
        self.finished: asyncio.Future[None] = loop.create_future()
        self.sent_at = 0.0
        self.head = b""
        self.key = b""
        self.upgraded = False
        self.lost = False

    # -- asyncio protocol ---------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        request, self.key = handshake_request(self.host, self.port, self.path)
        transport.write(request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        if not self.upgraded:
            data = self._handshake(data)
            if not data:
                return
        try:
            frames = self.scanner.feed(data)
        except ValueError as exc:
            self._fail(f"protocol: {exc}")
            return
        if frames is None:
            return
        for opcode, payload in frames:
            if opcode in (OP_TEXT, OP_BINARY):
                kind = payload[TYPE_AT:TYPE_AT + 4]
                if kind == b"resu" or kind == b"erro":
                    self._answered(payload)
                elif kind == b"join" and not self.joined.done():
                    self.joined.set_result(None)
                # room frames, pongs: dropped unread
            elif opcode == OP_PING:
                self.transport.write(client_frame(payload, OP_PONG))  # type: ignore[union-attr]
            elif opcode == OP_CLOSE:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self._fail(f"closed by the gateway: {code} {payload[2:].decode('utf-8', 'replace')}")

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(f"connection lost: {exc}")

    # -- buying -------------------------------------------------------------------------------------
    def start(self) -> None:
        if self.left <= 0:
            self.finished.set_result(None)
        else:
            self._send()

    def _send(self) -> None:
        self.seq += 1
        self.left -= 1
        self.sent_at = time.perf_counter()
        self.transport.write(client_frame(self.prefix + str(self.seq).encode() + b'"}'))  # type: ignore[union-attr]

    def _answered(self, payload: bytes) -> None:
        if self.sent_at == 0.0:
            return  # an answer to nothing this buyer sent (cannot happen with one attempt in flight)
        latency = time.perf_counter() - self.sent_at
        self.sent_at = 0.0
        answer = _answer.decode(payload)
        if answer.type == "result":
            self.tally.done(time.time(), latency, "ok", answer.data.order if answer.data else "")
        else:
            self.tally.done(time.time(), latency, answer.code or "error")
        if self.left > 0:
            self._send()
        elif not self.finished.done():
            self.finished.set_result(None)

    # -- connection ---------------------------------------------------------------------------------
    def _handshake(self, data: bytes) -> bytes:
        self.head += data
        end = self.head.find(b"\r\n\r\n")
        if end < 0:
            return b""
        problem = check_handshake(self.head[:end], self.key)
        rest = self.head[end + 4:]
        self.head = b""
        if problem is not None:
            self._fail(f"handshake refused: {problem}")
            return b""
        self.upgraded = True
        self.transport.write(client_frame(self.join))  # type: ignore[union-attr]
        return rest

    def _fail(self, reason: str) -> None:
        if self.lost:
            return
        self.lost = True
        for fut in (self.joined, self.finished):
            if not fut.done():
                fut.set_exception(ConnectionError(reason))
        if self.transport is not None:
            self.transport.close()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.lost = True
            self.transport.write(client_frame(b"\x03\xe8", OP_CLOSE))
            self.transport.close()


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    """A child process: connect and join every buyer, say READY, wait for ``GO <epoch>``, storm, report."""
    from livecore.auth import issue

    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(spec.get("join_concurrency", 50))
    buyers: list[Buyer] = []
    failures: list[str] = []
    join = json.dumps({"type": "join", "room": spec["room"]}).encode()
    tally = Tally(epoch=0.0)

    async def connect(i: int, user: str) -> None:
        url = urlsplit(spec["urls"][i % len(spec["urls"])])
        path = f"{url.path}?token={quote(issue(spec['secret'], user))}"
        prefix = b'{"type":"buy","sale":"%s","key":"%s-' % (spec["sale"].encode(), user.encode())
        host, port = url.hostname or "127.0.0.1", url.port or 80
        for attempt in range(3):
            async with gate:
                try:
                    _, buyer = await loop.create_connection(
                        lambda: Buyer(host, port, path, join, prefix, spec["attempts"][user], tally), host, port)
                    await asyncio.wait_for(buyer.joined, 60)
                    buyers.append(buyer)
                    return
                except (TimeoutError, OSError, ConnectionError) as exc:
                    if attempt == 2:
                        failures.append(f"{user}: {exc}")
            await asyncio.sleep(0.5)

    await asyncio.gather(*(connect(i, u) for i, u in enumerate(spec["users"])))
    print(f"READY {len(buyers)} {len(failures)}", flush=True)
    line = await loop.run_in_executor(None, sys.stdin.readline)  # "GO <epoch>"
    tally.epoch = float(line.split()[1])
    while time.time() < tally.epoch:  # every process starts at the same instant
        await asyncio.sleep(min(0.01, tally.epoch - time.time()))
    tally.first_sent = time.time()
    for b in buyers:
        b.start()
    results = await asyncio.gather(*(b.finished for b in buyers), return_exceptions=True)
    lost = [str(r) for r in results if isinstance(r, Exception)]
    for b in buyers:
        b.close()
    out = tally.to_json()
    out.update({"connected": len(buyers), "connect_failures": failures[:20], "n_connect_failures": len(failures),
                "lost_during_storm": len(lost), "lost_reasons": lost[:20]})
    return out
