"""What every connection of one gateway process shares: settings, services, counters, the room hub.

The connection logic (``connection.Connection``) reads this; the process's lifecycle and its connections live in
``server.Gateway``, which extends it. Keeping them apart is what lets ``connection`` import this module
without ``server`` importing ``connection`` back.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from ..auth import AuthError, verify
from ..config import Settings
from ..core.actions import ActionLimits, ActionRates
from ..core.chat import ChatPipeline
from ..core.conncaps import ConnectionCaps
from ..core.gifts import GiftCatalogue
from ..core.slow import SlowPolicy
from ..core.wordfilter import WordFilter, load_words
from ..features.gateway_set import FeatureSet
from ..interactions.log import InteractionLog
from ..moderation.store import ModerationStore
from ..people import PeopleStore
from ..protocol.codes import CloseCode
from ..runtime import Runtime
from .connlog import conn_log, connection_line
from .fanout import FanoutStats
from .handshake import refuse_token
from .hub import Hub
from .likes import LikeAggregator
from .link import Admission, Handshake, HttpAnswer
from .metrics import CONTENT_TYPE, build_registry, render
from .ports import Background
from .presence import Presence
from .publisher import BatchPublisher
from .roomdir import RoomDirectory

log = logging.getLogger(__name__)

WS_PATH = "/ws"
HEALTHY = HttpAnswer(HTTPStatus.OK, b"ok\n")
NOT_FOUND = HttpAnswer(HTTPStatus.NOT_FOUND, b"not found\n")


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


class GatewayNode:
    def __init__(self, runtime: Runtime, *, features: FeatureSet | None = None,
                 gifts: GiftCatalogue | None = None, interactions: InteractionLog | None = None,
                 node: str | None = None) -> None:
        self.runtime = runtime
        self.settings: Settings = runtime.settings
        self.keys = runtime.keys
        self.bus = runtime.bus
        self.clock = runtime.clock
        self.features = features
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
        self.rooms = RoomDirectory(runtime.redis, runtime.keys)
        self.people = PeopleStore(runtime.redis, runtime.keys)
        self.publisher = BatchPublisher(runtime.redis, runtime.keys)
        self.actions = ActionLimits(action_rates(settings))
        self.caps = ConnectionCaps(settings.max_connections_per_user, settings.max_connections_per_address)
        self.presence: Presence
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[Any]] = set()
        self.metrics = build_registry(self.stats, lambda: len(self.hub.rooms), self.interactions,
                                      runtime.generation)

    def admit(self, handshake: Handshake) -> Admission:
        """The answer to an opening handshake: a plain HTTP response, a refused token, or who is connecting.

        Tokens are checked here, during the handshake, so a refused client costs nothing more."""
        path = handshake.path
        if path == "/healthz":
            return HEALTHY
        if path == "/metrics":
            return HttpAnswer(HTTPStatus.OK, render(self.metrics), CONTENT_TYPE)
        if path != WS_PATH:
            return NOT_FOUND
        header = handshake.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        if token is None:
            tokens = parse_qs(handshake.query).get("token")
            token = tokens[0] if tokens else None
        try:
            return verify(self.settings.secret, token)
        except AuthError as exc:
            self.stats.handshakes_refused += 1
            refusal = refuse_token(handshake.headers.get("Origin"), exc.reason)
            if self.settings.access_log and refusal.close_code is None:  # a refused handshake's one line
                conn_log.info("%s", connection_line("-", "-", "-", 0.0, "401",
                                                    f"token {exc.reason}", "server"))
            if refusal.close_code is None:
                return HttpAnswer(HTTPStatus.UNAUTHORIZED, refusal.body.encode())
            return refusal  # a browser: accepted, then closed with a code it can read

    def _slow(self, session: Any) -> None:
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


def action_rates(settings: Settings) -> ActionRates:
    """The per-user limits of likes, shares, follows and gifts, from their settings."""
    return ActionRates(**{f: getattr(settings, f) for f in ActionRates.__dataclass_fields__})


def deployment_words(settings: Settings) -> WordFilter:
    if not settings.words_file:
        return WordFilter()
    return WordFilter(load_words(Path(settings.words_file).read_text(encoding="utf-8")))
