"""The gateway process: a WebSocket server in front of the room hub.

Room traffic never goes through ASGI: measured here, direct writes to each socket deliver several times the
frames per second of per-connection sends through an ASGI server. The server under the gateway is picked by
``LIVECORE_GATEWAY_TRANSPORT``: ``picows`` (the default, Cython, callbacks and no task per connection) or
``websockets`` (pure Python, for A/B runs and as a fallback). Both answer the same handshakes (``node.admit``)
and drive the same connection logic (``connection.Connection``) through ``link.Link``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from ..auth import Identity
from ..core.gifts import GiftCatalogue
from ..features.gateway_set import FeatureSet
from ..interactions.log import InteractionLog
from ..protocol.codes import CloseCode
from ..runtime import Runtime
from .connection import Connection
from .connlog import conn_log, connection_line
from .handshake import TokenRefusal
from .link import Link, Listener, Peer
from .node import GatewayNode, GatewayStats
from .presence import Presence
from .transport_picows import serve_picows
from .transport_websockets import serve_websockets

log = logging.getLogger(__name__)

__all__ = ["Gateway", "GatewayStats"]

TRANSPORTS = ("picows", "websockets")


class Gateway(GatewayNode):
    connections: set[Connection]

    def __init__(self, runtime: Runtime, *, features: FeatureSet | None = None,
                 gifts: GiftCatalogue | None = None, interactions: InteractionLog | None = None,
                 node: str | None = None) -> None:
        super().__init__(runtime, features=features, gifts=gifts, interactions=interactions, node=node)
        self.connections = set()
        self.server: Listener | None = None
        self.port = 0
        self.transport_name = self.settings.gateway_transport
        if self.transport_name not in TRANSPORTS:
            raise ValueError(f"LIVECORE_GATEWAY_TRANSPORT must be one of {', '.join(TRANSPORTS)}, "
                             f"not {self.transport_name!r}")
        self._sweeper: asyncio.Task[None] | None = None

    # -- lifecycle -----------------------------------------------------------------------------------
    async def start(self, host: str | None = None, port: int | None = None, *, reuse_port: bool = False) -> int:
        """Listen; returns the bound port (pass 0 for a free one)."""
        settings = self.settings
        serve = serve_picows if self.transport_name == "picows" else serve_websockets
        self.server = await serve(self, settings, host or settings.host,
                                  settings.gateway_port if port is None else port, reuse_port)
        address = self.server.address
        self.port = address[1]
        if not self.node:
            self.node = f"{address[0]}:{self.port}:{os.getpid()}"
        self.presence = Presence(self.runtime.redis, self.keys, self.bus, self.clock, self.node,
                                 interval_s=settings.presence_interval_s, ttl_s=settings.presence_ttl_s)
        self.presence.start()
        self.likes.start()
        self.background.start()
        if self._own_interactions:
            self.interactions.start()
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep(), name="gateway-sweep")
        log.info("gateway %s (%s) listening on %s:%d", self.node, self.transport_name, host or settings.host,
                 self.port)
        return self.port

    async def stop(self, code: int = CloseCode.SERVICE_RESTART, reason: str = "service restart") -> None:
        """Graceful stop: refuse new connections, close viewers (1012: reconnect elsewhere), flush."""
        if self.server is None:
            return
        server, self.server = self.server, None
        server.close()
        open_ = [s for s in self.connections if s.link.open]
        for s in open_:
            s.closing = True
            self.count_close(code)
            s.link.close(code, reason)
        if open_:
            await asyncio.wait([asyncio.ensure_future(s.link.wait_closed()) for s in open_], timeout=10)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 10)
        if self._sweeper is not None:
            self._sweeper.cancel()
        # each step is bounded: a stuck Redis must not keep a stopping gateway alive
        for step in (self.presence.close(), self.likes.close(), self.background.close(),
                     self.features.close() if self.features is not None else None,
                     self.interactions.close() if self._own_interactions else None, self.hub.close()):
            if step is None:
                continue
            try:
                await asyncio.wait_for(step, 5)
            except Exception as exc:
                log.warning("gateway stop: %s did not finish: %r", step, exc)
        for task in list(self._tasks):
            task.cancel()

    # -- connections (the transports' Acceptor) -------------------------------------------------------
    def connected(self, link: Link, admission: Identity | TokenRefusal) -> Peer | None:
        if isinstance(admission, TokenRefusal):
            assert admission.close_code is not None
            self.count_close(admission.close_code)
            link.close(admission.close_code, admission.reason)
            if self.settings.access_log:  # a browser's refused token: accepted, closed with a code, one line
                conn_log.info("%s", connection_line(link.remote_address, "-", "-", 0.0, str(admission.close_code),
                                                    admission.reason, "server"))
            return None
        conn = Connection(self, link, admission)
        if not conn.admit():
            return None
        self.connections.add(conn)
        self.stats.connections += 1
        self.stats.connections_total += 1
        return conn

    def disconnected(self, peer: Peer) -> None:
        assert isinstance(peer, Connection)
        room = peer.room
        peer.leave()
        peer.release()
        self.connections.discard(peer)
        self.stats.connections -= 1
        if self.settings.access_log:  # the one line of this connection: who, where, how long, how it ended
            code, reason, by = peer.link.ended()
            conn_log.info("%s", connection_line(peer.link.remote_address, peer.identity.user, room or "-",
                                                self.clock.monotonic() - peer.opened, code, reason, by))

    async def _sweep(self) -> None:
        """Close idle connections (4002) and forget refilled rate-limit buckets.

        One periodic scan instead of a timer per connection re-armed on every received frame.
        """
        idle = self.settings.idle_timeout_s
        period = max(0.1, min(idle / 4, 5.0))
        last_buckets = self.clock.monotonic()
        while True:
            await asyncio.sleep(period)
            now = self.clock.monotonic()
            for conn in list(self.connections):
                if not conn.closing and now - conn.last_seen > idle:
                    conn.close_soon(CloseCode.IDLE_TIMEOUT, "idle")
            if now - last_buckets >= 30:
                self.chat.sweep(now)
                self.actions.sweep(now)
                last_buckets = now
