"""Typed settings read from ``LIVECORE_*`` environment variables.

Every knob of every process lives here so that the README's table and the code agree.
Nothing reads ``os.environ`` elsewhere: a ``Settings`` object is built once at start-up and
handed down.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_type_hints

DEV_SECRET = "livecore-dev-secret-change-me-before-production"


@dataclass(frozen=True, slots=True)
class Settings:
    # connections; empty means "find one on the default port or start an embedded server"
    redis_url: str = ""
    database_url: str = ""
    database_schema: str = "public"
    key_prefix: str = "lc"
    redis_max_connections: int = 256  # per process; callers wait for a free connection beyond it
    redis_health_check_s: float = 30.0  # a connection idle this long is checked (PING) before its next use
    redis_cluster: bool = False  # redis_url is one node of a Redis Cluster: route every command by hash slot
    data_dir: Path = Path(".livecore")
    secret: str = DEV_SECRET
    demo: bool = False  # enables the dev-login endpoint and the simulated room

    # process addresses
    host: str = "127.0.0.1"
    gateway_port: int = 8765
    api_port: int = 8000
    max_body_bytes: int = 64 * 1024  # largest HTTP request body the API reads; bigger ones answer 413
    node_id: str = ""  # gateway identity for presence; defaults to host:port:pid
    # the WebSocket URL browsers use (behind a proxy); default ws://<page host>:<gateway_port>/ws
    gateway_public_url: str = ""
    access_log: bool = True  # API: one Common Log Format line per request; gateway: one line per connection

    # gateway hot path
    gateway_transport: str = "picows"  # picows | websockets: the WebSocket server under the gateway
    tick_ms: int = 100
    barrage_budget: int = 40  # barrage per second shown per room, above it sampled
    max_frame_bytes: int = 4096  # largest client frame accepted
    chat_max_chars: int = 100
    chat_rate: float = 2.0  # tokens per second per user
    chat_burst: int = 5
    chat_dup_window_s: float = 10.0
    words_file: str = ""  # extra sensitive words, one a line
    slow_high_water: int = 256 * 1024  # bytes buffered before barrage is skipped
    slow_limit: int = 1024 * 1024  # bytes buffered before the slow-consumer clock starts
    slow_timeout_s: float = 5.0  # how long a viewer may stay above slow_limit
    heartbeat_s: float = 25.0  # client ping interval expected
    idle_timeout_s: float = 75.0  # no frame from a client for this long closes it
    room_events_maxlen: int = 1000
    room_events_ttl_s: int = 86400
    presence_ttl_s: int = 15
    presence_interval_s: float = 1.0  # how often a gateway writes its counts and publishes online/peak/uv
    flood_refusals: int = 20  # refused frames within flood_window_s before a connection is closed (4504)
    flood_window_s: float = 5.0
    malformed_limit: int = 5  # malformed frames within flood_window_s before closing (4506)
    fanout_group: int = 500  # viewers per fan-out group; a room's groups are written at staggered offsets
    max_connections_per_user: int = 100  # WebSockets one user id may hold on one gateway (4507 above); 0: no cap
    max_connections_per_address: int = 2000  # WebSockets one client address may hold on one gateway; 0: no cap
    client_address_header: str = ""  # behind a trusted proxy: the header whose last entry is the client address
    # per-user limits on room actions (token buckets: rate per second, burst); likes over it are not counted
    like_rate: float = 20.0
    like_burst: int = 200
    share_rate: float = 0.5
    share_burst: int = 5
    follow_rate: float = 0.5
    follow_burst: int = 5
    gift_rate: float = 5.0
    gift_burst: int = 20
    gift_reliable_rate: float = 0.5  # gifts per user stored for replay; beyond it gifts are shown live only
    gift_reliable_burst: int = 20

    # API writes (POST and the other non-read methods under /api/): token buckets per token and per address
    api_write_rate: float = 10.0
    api_write_burst: int = 50
    api_address_rate: float = 100.0
    api_address_burst: int = 500

    # commerce
    payment_window_s: int = 900
    state_grace_s: int = 300  # an ended sale or coupon batch stays in the room state this long, then leaves it
    sale_retention_s: int = 7 * 86400  # a retired sale's Redis keys expire after this (PostgreSQL keeps it)
    order_stream_maxlen: int = 1_000_000
    worker_batch: int = 200
    consumer_prune_idle_s: int = 3600  # a stream consumer idle this long and holding nothing leaves its group
    dead_letter_after: int = 5
    durability: str = "none"  # none | replica (WAIT 1 per batch of buys) | fsync (WAITAOF, or appendfsync always)
    durability_timeout_ms: int = 500  # a WAIT that takes longer answers the batch's buys "unavailable" (retry)
    generation_check_s: float = 1.0  # how often each process checks the Redis generation marker
    payment_secret: str = ""  # HMAC key of payment-provider callbacks; empty: derived from ``secret``
    attribution_window_s: int = 86400  # a share visit credits its referrer's orders this long (first touch wins)

    # interactions and rankings
    interaction_maxlen: int = 200_000
    interaction_buffer: int = 50_000
    hot_half_life_s: float = 600.0
    like_cap_per_minute: int = 300
    hot_weights: str = ""  # per-kind hot weight overrides, e.g. "like=0.2,gift=0.1"
    ranking_batch: int = 1000  # stream entries read per room per worker round
    ranking_dedupe_ttl_s: int = 3600  # how long an event id is remembered after it was applied
    ranking_claim_idle_ms: int = 30_000  # pending this long -> another consumer takes the entries over
    ranking_push_s: float = 1.0  # rank state to viewers / metrics to the host, at most this often per room
    keyword_window_s: int = 300
    keyword_refresh_s: float = 5.0
    snapshot_interval_s: float = 60.0
    ranking_heartbeat_s: float = 1.0  # a ranking consumer refreshes its membership (room affinity) this often
    ranking_member_ttl_s: float = 5.0  # a consumer without a heartbeat this long is gone; its rooms move

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get("LIVECORE_" + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(hints[f.name], raw, f.name)
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def env(self) -> dict[str, str]:
        """The settings as environment variables, for child processes."""
        out: dict[str, str] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool):
                value = "1" if value else "0"
            out["LIVECORE_" + f.name.upper()] = str(value)
        return out


def _parse(kind: Any, raw: str, name: str) -> Any:
    try:
        if kind is bool:
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if kind is Path:
            return Path(raw)
        return raw
    except ValueError as exc:
        raise ValueError(f"LIVECORE_{name.upper()}={raw!r} is not a valid {kind}") from exc
