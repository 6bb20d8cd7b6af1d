"""``LiveClient``: connect, join, send typed messages, receive typed server messages.

- ``async for message in client`` yields decoded server messages (``Frame``, ``Joined`` after a reconnect,
  ``Resync``, ``Error``/``Result`` without a request id) until the connection ends for good.
- ``await client.request(Buy(...))`` sends with a fresh ``rid`` and returns the ``Result`` or ``Error``
  carrying it (``Error(code="unavailable")`` if the connection dropped first: retry with the same key).
- A ping goes out every ``heartbeat_s`` so the gateway's idle timeout never fires on a quiet viewer.
- When the gateway closes with a code that means "reconnect" (1001, 1006, 1011, 1012, 1013, 4000-4499),
  the client reconnects with jittered exponential backoff and joins again with the last offset it saw, so
  missed reliable events are replayed (or a ``Resync`` snapshot arrives). Other codes end the iteration;
  ``close_code`` tells which.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from ..protocol import client as c
from ..protocol.codec import encode, server_decoder
from ..protocol.codes import CloseCode, ErrorCode, should_reconnect
from ..protocol.server import Error, Frame, Joined, Pong, Result, Resync, ServerMessage
from .backoff import Backoff
from .room import RoomModel

log = logging.getLogger(__name__)

_END = object()


def with_token(url: str, token: str) -> str:
    parts = urlsplit(url)
    query = (parts.query + "&" if parts.query else "") + urlencode({"token": token})
    return urlunsplit(parts._replace(query=query))


class LiveClient:
    def __init__(self, url: str, token: str, *, heartbeat_s: float = 25.0, reconnect: bool = True,
                 backoff: Backoff | None = None, open_timeout: float = 10.0, max_size: int | None = 2**22,
                 **connect_kwargs: Any) -> None:
        self.url = url
        self.token = token
        self.heartbeat_s = heartbeat_s
        self.auto_reconnect = reconnect
        self.backoff = backoff or Backoff()
        self.open_timeout = open_timeout
        self.max_size = max_size
        self.connect_kwargs = connect_kwargs
        self.room: str | None = None
        self.joined = False  # the gateway confirmed our join of ``room`` on the current connection
        self.model = RoomModel()  # the room as this client knows it: state, resume offset, recent events
        self.close_code: int | None = None
        self.close_reason = ""
        self.reconnects = 0
        self.rtt: float | None = None
        self._ws: ClientConnection | None = None
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._pending: dict[str, asyncio.Future[Result | Error | Joined]] = {}
        self._rids = itertools.count(1)
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self._connected = asyncio.Event()

    # -- connection ----------------------------------------------------------------------------------
    async def connect(self) -> LiveClient:
        self._ws = await self._open()
        self._connected.set()
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._reader(), name="live-client-reader"),
                       loop.create_task(self._pinger(), name="live-client-pinger")]
        return self

    async def _open(self) -> ClientConnection:
        return await connect(with_token(self.url, self.token), compression=None, open_timeout=self.open_timeout,
                             ping_interval=None, max_size=self.max_size, **self.connect_kwargs)

    async def __aenter__(self) -> LiveClient:
        return await self.connect()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self, code: int = CloseCode.NORMAL) -> None:
        self._closing = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close(code)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._fail_pending("client closed")
        self._queue.put_nowait(_END)

    @property
    def state(self) -> dict[str, Any]:
        """The room's latest-value-wins state as this client knows it."""
        return self.model.state

    @state.setter
    def state(self, value: dict[str, Any]) -> None:
        self.model.state = value

    @property
    def offset(self) -> str | None:
        """The last reliable offset seen: the resume point."""
        return self.model.offset

    @offset.setter
    def offset(self, value: str | None) -> None:
        self.model.offset = value

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def wait_connected(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    # -- sending -------------------------------------------------------------------------------------
    async def send(self, message: msgspec.Struct) -> None:
        if self._ws is None:
            raise ConnectionError("not connected")
        await self._ws.send(encode(message).decode())

    async def send_raw(self, text: str | bytes) -> None:
        """Send anything, valid or not (tests of the gateway's answers to bad frames)."""
        if self._ws is None:
            raise ConnectionError("not connected")
        await self._ws.send(text)

    async def request(self, message: msgspec.Struct, timeout: float = 10.0) -> Result | Error:
        """Send with a fresh ``rid``; the gateway's ``result`` or ``error`` for it.

        A room action while the join of ``room`` is not confirmed (it failed, e.g. Redis was away, or the
        rejoin after a reconnect is still out) first joins again; a join that still fails answers
        ``unavailable`` (retry later with the same key)."""
        if self.room is not None and not self.joined and not isinstance(message, c.Join | c.Leave | c.Ping):
            try:
                await self.join(self.room, timeout=timeout)
            except (RuntimeError, TimeoutError, ConnectionError) as exc:
                return Error(code=ErrorCode.UNAVAILABLE.value, message=f"rejoin failed: {exc}")
        answer = await self._request(message, timeout)
        assert not isinstance(answer, Joined)
        return answer

    async def _request(self, message: msgspec.Struct, timeout: float) -> Result | Error | Joined:
        rid = f"r{next(self._rids)}"
        message = msgspec.structs.replace(message, rid=rid)
        future: asyncio.Future[Result | Error | Joined] = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        try:
            await self.send(message)
            return await asyncio.wait_for(future, timeout)
        except ConnectionClosed:
            return Error(code=ErrorCode.UNAVAILABLE.value, message="connection lost", rid=rid)
        finally:
            self._pending.pop(rid, None)

    async def join(self, room: str, last_offset: str | None = None, timeout: float = 10.0) -> Joined:
        """Join ``room`` (resuming after ``last_offset`` if given); raises ``RuntimeError`` on refusal."""
        if room != self.room:
            self.model.reset(room)
        self.room = room
        if last_offset is not None:
            self.offset = last_offset
        self.joined = False
        answer = await self._request(c.Join(room=room, last_offset=self.offset), timeout)
        if isinstance(answer, Error):
            raise RuntimeError(f"join refused: {answer.code} {answer.message}")
        assert isinstance(answer, Joined)
        return answer

    # -- receiving -----------------------------------------------------------------------------------
    def __aiter__(self) -> LiveClient:
        return self

    async def __anext__(self) -> ServerMessage:
        item = await self._queue.get()
        if item is _END:
            self._queue.put_nowait(_END)  # later iterations end too
            raise StopAsyncIteration
        return item

    async def next(self, timeout: float | None = None) -> ServerMessage | None:
        """The next message, or None when the client ended (or nothing came within ``timeout``)."""
        try:
            return await asyncio.wait_for(self.__anext__(), timeout)
        except (TimeoutError, StopAsyncIteration):
            return None

    def _on_message(self, msg: ServerMessage) -> None:
        match msg:
            case Joined():
                self.joined = msg.room == self.room
                self.model.apply(msg)
            case Frame() | Resync():
                self.model.apply(msg)
            case Pong():
                if msg.t is not None:
                    self.rtt = asyncio.get_running_loop().time() - msg.t
                return
        rid = getattr(msg, "rid", None)
        if rid is not None and rid in self._pending:
            future = self._pending.pop(rid)
            if not future.done():
                future.set_result(msg)  # type: ignore[arg-type]
            return
        self._queue.put_nowait(msg)

    async def _reader(self) -> None:
        while True:
            ws = self._ws
            assert ws is not None
            try:
                async for raw in ws:
                    self._on_message(server_decoder.decode(raw))
            except ConnectionClosed:
                pass
            self._connected.clear()
            self.joined = False
            self.close_code = ws.close_code if ws.close_code is not None else 1006
            self.close_reason = ws.close_reason or ""
            self._fail_pending("connection lost")
            if self._closing or not self.auto_reconnect or not should_reconnect(self.close_code):
                self._queue.put_nowait(_END)
                return
            if not await self._reconnect():
                self._queue.put_nowait(_END)
                return

    async def _reconnect(self) -> bool:
        while not self._closing:
            await asyncio.sleep(self.backoff.next())
            try:
                self._ws = await self._open()
            except InvalidStatus as exc:
                status = exc.response.status_code
                if status in (401, 403):
                    self.close_code = CloseCode.UNAUTHORIZED
                    return False
                continue
            except (TimeoutError, OSError, ConnectionClosed) as exc:
                log.debug("reconnect failed: %s", exc)
                continue
            self.backoff.reset()
            self.reconnects += 1
            self._connected.set()
            if self.room is not None:
                with contextlib.suppress(ConnectionClosed):
                    await self.send(c.Join(room=self.room, last_offset=self.offset))
            return True
        return False

    def _fail_pending(self, why: str) -> None:
        for rid, future in list(self._pending.items()):
            if not future.done():
                future.set_result(Error(code=ErrorCode.UNAVAILABLE.value, message=why, rid=rid))
        self._pending.clear()

    async def _pinger(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.heartbeat_s)
            if self._ws is not None and self._connected.is_set():
                with contextlib.suppress(ConnectionClosed):
                    await self.send(c.Ping(t=loop.time()))
