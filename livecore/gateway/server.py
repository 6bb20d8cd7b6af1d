"""The gateway process: a ``websockets`` asyncio server in front of the room hub.

Room traffic never goes through ASGI: measured here, ``websockets.broadcast`` delivers about four times the
frames per second of per-connection sends through an ASGI server. Tokens are checked during the opening
handshake (``process_request``), so a refused client gets an HTTP 401 and costs nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import weakref
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response
from websockets.protocol import State

from ..auth import AuthError, Identity, verify
from ..config import Settings
from ..core.actions import ActionLimits, ActionRates
from ..core.chat import ChatPipeline
from ..core.conncaps import ConnectionCaps
from ..core.gifts import GiftCatalogue
from ..core.slow import SlowPolicy
from ..core.wordfilter import WordFilter, load_words
from ..interactions.log import InteractionLog
from ..moderation.store import ModerationStore
from ..protocol.codes import CloseCode
from ..runtime import Runtime
from .connection import Session
from .fanout import FanoutStats
from .handshake import TokenRefusal, refuse_token
from .hub import Hub
from .likes import LikeAggregator
from .metrics import CONTENT_TYPE, build_registry, render
from .ports import Background, CommercePort
from .presence import Presence
from .publisher import BatchPublisher

log = logging.getLogger(__name__)

WS_PATH = "/ws"


@dataclass
class GatewayStats(FanoutStats):
    """Counters read by tests, the benchmark and (later) the metrics exporter. Plain attributes on purpose."""

    connections: int = 0
    connections_total: int = 0
    handshakes_refused: int = 0
    messages_in: int = 0
    direct: int = 0  # messages written to one viewer (joined, result, error, pong, catch-up)
    chats: int = 0
    gifts: int = 0
    replayed: int = 0
    resyncs: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # error code -> count
    closes: dict[int, int] = field(default_factory=dict)  # close code -> count (closes we initiated)


class Gateway:
    def __init__(self, runtime: Runtime, *, commerce: CommercePort | None = None,
                 gifts: GiftCatalogue | None = None, interactions: InteractionLog | None = None,
                 node: str | None = None) -> None:
        self.runtime = runtime
        self.settings: Settings = runtime.settings
        self.keys = runtime.keys
        self.bus = runtime.bus
        self.clock = runtime.clock
        self.commerce = commerce
        self.gifts = gifts or GiftCatalogue()
        settings = self.settings
        self.interactions = interactions if interactions is not None else InteractionLog(
            runtime.redis, runtime.keys, maxlen=settings.interaction_maxlen, buffer=settings.interaction_buffer)
        self._own_interactions = interactions is None
        self.node = node or settings.node_id
        self.stats = GatewayStats()
        self.moderation = ModerationStore(runtime.redis, runtime.keys, runtime.bus, runtime.clock)
        self.chat = ChatPipeline(max_chars=settings.chat_max_chars, rate=settings.chat_rate, burst=settings.chat_burst,
                                 dup_window_s=settings.chat_dup_window_s, words=deployment_words(settings))
        self.policy = SlowPolicy(settings.slow_high_water, settings.slow_limit, settings.slow_timeout_s)
        self.hub = Hub(runtime.redis, runtime.keys, runtime.bus, self.moderation, runtime.clock,
                       tick_ms=settings.tick_ms, barrage_budget=settings.barrage_budget, policy=self.policy,
                       stats=self.stats, on_slow=self._slow, group_size=settings.fanout_group,
                       health_check_s=settings.redis_health_check_s)
        self.likes = LikeAggregator(runtime.redis, runtime.keys, runtime.bus, interval_s=settings.tick_ms / 1000)
        self.background = Background()
        self.publisher = BatchPublisher(runtime.redis, runtime.keys)
        self.actions = ActionLimits(action_rates(settings))
        self.caps = ConnectionCaps(settings.max_connections_per_user, settings.max_connections_per_address)
        self.presence: Presence
        self.sessions: set[Session] = set()
        self.server: Server | None = None
        self.port = 0
        self._ids = itertools.count(1)
        self._identities: weakref.WeakKeyDictionary[ServerConnection, Identity | TokenRefusal] = (
            weakref.WeakKeyDictionary())
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self.metrics = build_registry(self.stats, lambda: len(self.hub.rooms), self.interactions,
                                      runtime.generation)

    # -- lifecycle -----------------------------------------------------------------------------------
    async def start(self, host: str | None = None, port: int | None = None, *, reuse_port: bool = False) -> int:
        """Listen; returns the bound port (pass 0 for a free one)."""
        settings = self.settings
        self.server = await serve(
            self._handler, host or settings.host, settings.gateway_port if port is None else port,
            process_request=self._process_request, max_size=settings.max_frame_bytes, compression=None,
            ping_interval=None, max_queue=16, close_timeout=5, reuse_port=reuse_port or None,
            server_header=None)
        sock = next(iter(self.server.sockets))
        self.port = sock.getsockname()[1]
        if not self.node:
            self.node = f"{sock.getsockname()[0]}:{self.port}:{os.getpid()}"
        self.presence = Presence(self.runtime.redis, self.keys, self.bus, self.clock, self.node,
                                 interval_s=settings.presence_interval_s, ttl_s=settings.presence_ttl_s)
        self.presence.start()
        self.likes.start()
        self.background.start()
        if self._own_interactions:
            self.interactions.start()
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep(), name="gateway-sweep")
        log.info("gateway %s listening on %s:%d", self.node, host or settings.host, self.port)
        return self.port

    async def stop(self, code: int = CloseCode.SERVICE_RESTART, reason: str = "service restart") -> None:
        """Graceful stop: refuse new connections, close viewers (1012: reconnect elsewhere), flush."""
        if self.server is None:
            return
        server, self.server = self.server, None
        server.close(close_connections=False)
        open_ = [s for s in self.sessions if s.protocol.state is State.OPEN]
        for s in open_:
            s.closing = True
            self.count_close(code)
        if open_:
            await asyncio.wait([asyncio.ensure_future(s.ws.close(code, reason)) for s in open_], timeout=10)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 10)
        if self._sweeper is not None:
            self._sweeper.cancel()
        # each step is bounded: a stuck Redis must not keep a stopping gateway alive
        for step in (self.presence.close(), self.likes.close(), self.background.close(),
                     self.commerce.close() if self.commerce is not None else None,
                     self.interactions.close() if self._own_interactions else None, self.hub.close()):
            if step is None:
                continue
            try:
                await asyncio.wait_for(step, 5)
            except Exception as exc:  # noqa: BLE001 - logged; the next step still runs
                log.warning("gateway stop: %s did not finish: %r", step, exc)
        for task in list(self._tasks):
            task.cancel()

    # -- connections ---------------------------------------------------------------------------------
    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        if url.path == "/healthz":
            return connection.respond(HTTPStatus.OK, "ok\n")
        if url.path == "/metrics":
            body = render(self.metrics)
            headers = Headers([("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(body))),
                               ("Connection", "close")])
            return Response(HTTPStatus.OK, "OK", headers, body)
        if url.path != WS_PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        if token is None:
            tokens = parse_qs(url.query).get("token")
            token = tokens[0] if tokens else None
        try:
            identity = verify(self.settings.secret, token)
        except AuthError as exc:
            self.stats.handshakes_refused += 1
            refusal = refuse_token(request.headers.get("Origin"), exc.reason)
            if refusal.close_code is None:
                return connection.respond(HTTPStatus.UNAUTHORIZED, refusal.body)
            self._identities[connection] = refusal  # a browser: accepted, then closed with a code it can read
            return None
        self._identities[connection] = identity
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        identity = self._identities.pop(ws)
        if isinstance(identity, TokenRefusal):
            assert identity.close_code is not None
            self.count_close(identity.close_code)
            await ws.close(identity.close_code, identity.reason)
            return
        session = Session(self, ws, identity)
        self.sessions.add(session)
        self.stats.connections += 1
        self.stats.connections_total += 1
        try:
            await session.run()
        finally:
            session.leave()
            self.sessions.discard(session)
            self.stats.connections -= 1

    def _slow(self, session: Session) -> None:
        session.close_soon(CloseCode.SLOW_CONSUMER, "slow consumer")

    def count_close(self, code: int) -> None:
        self.stats.closes[code] = self.stats.closes.get(code, 0) + 1

    def next_id(self) -> str:
        """Unique across processes: node id plus a counter."""
        return f"{self.node}:{next(self._ids)}"

    def spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _sweep(self) -> None:
        """Close idle sessions (4002) and forget refilled rate-limit buckets.

        One periodic scan instead of a timer per connection re-armed on every received frame.
        """
        idle = self.settings.idle_timeout_s
        period = max(0.1, min(idle / 4, 5.0))
        last_buckets = self.clock.monotonic()
        while True:
            await asyncio.sleep(period)
            now = self.clock.monotonic()
            for session in list(self.sessions):
                if not session.closing and now - session.last_seen > idle:
                    session.close_soon(CloseCode.IDLE_TIMEOUT, "idle")
            if now - last_buckets >= 30:
                self.chat.sweep(now)
                self.actions.sweep(now)
                last_buckets = now


def action_rates(settings: Settings) -> ActionRates:
    """The per-user limits of likes, shares, follows and gifts, from their settings."""
    return ActionRates(**{f: getattr(settings, f) for f in ActionRates.__dataclass_fields__})


def deployment_words(settings: Settings) -> WordFilter:
    if not settings.words_file:
        return WordFilter()
    return WordFilter(load_words(Path(settings.words_file).read_text(encoding="utf-8")))
