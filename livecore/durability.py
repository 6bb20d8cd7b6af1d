"""What "acknowledged" means for a purchase: ``LIVECORE_DURABILITY`` = ``none`` | ``replica`` | ``fsync``.

* ``none``: the answer goes out when the script has run; Redis's own persistence (its AOF fsync policy)
  decides what survives a crash.
* ``replica``: each pipelined batch of purchases ends with a write of a marker key and ``WAIT 1 <timeout>``,
  all in the same round trip; the batch is answered only when a replica has every write up to that point
  (the marker write makes ``WAIT`` cover writes made on other connections too, e.g. the first attempt of a
  replayed key). A ``WAIT`` that times out answers the batch's attempts ``unavailable``: they may or may not
  be on a replica, and the client's retry with the same key returns the order once it is.
* ``fsync``: the same with ``WAITAOF 1 0 <timeout>`` (Redis 7.2+: the local AOF is fsynced). On an older Redis
  the equivalent is ``appendonly yes`` with ``appendfsync always`` (Redis fsyncs the AOF before it answers any
  client); ``check`` verifies that with ``CONFIG GET`` and refuses to start otherwise.

``check`` runs at start-up: it validates the setting against the server, and outside demo mode warns when
Redis runs without an append-only file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from . import replies

log = logging.getLogger(__name__)

MODES = ("none", "replica", "fsync")


class DurabilityError(RuntimeError):
    """The configured durability cannot be provided by this Redis: the process refuses to start."""


class NotDurable(RedisError):
    """A batch's writes were not confirmed by a replica (or the AOF) in time: answer ``unavailable``."""


@dataclass(frozen=True, slots=True)
class Durability:
    """How the batcher confirms a batch of writes; ``commands`` end each batch that ran a script."""

    mode: str
    timeout_ms: int
    marker: str  # a key the batch writes so that WAIT covers every write made before it
    waitaof: bool = False  # fsync mode on a Redis that has WAITAOF

    def commands(self) -> list[tuple[str | int, ...]]:
        if self.mode == "replica":
            return [("SET", self.marker, "1"), ("WAIT", 1, self.timeout_ms)]
        if self.mode == "fsync" and self.waitaof:
            return [("SET", self.marker, "1"), ("WAITAOF", 1, 0, self.timeout_ms)]
        return []

    def confirmed(self, reply: object) -> bool:
        """Did the last reply of ``commands`` confirm the batch?"""
        if isinstance(reply, Exception):
            return False
        if self.mode == "replica":
            return isinstance(reply, int) and reply >= 1
        if isinstance(reply, list) and reply:  # WAITAOF: [local fsynced, replicas fsynced]
            return int(reply[0]) >= 1
        return True


async def _config(redis: Redis, name: str) -> str | None:
    try:
        got = await redis.config_get(name)
    except ResponseError:  # CONFIG renamed or disabled by the operator
        return None
    value = got.get(name)
    return replies.text(value) if value is not None else None


async def check(redis: Redis, *, mode: str, timeout_ms: int, marker: str, cluster: bool, demo: bool) -> Durability:
    """Validate ``mode`` against the server; raises ``DurabilityError`` with what to change."""
    if mode not in MODES:
        raise DurabilityError(f"LIVECORE_DURABILITY={mode!r}: expected one of {', '.join(MODES)}")
    if mode != "none" and cluster:
        raise DurabilityError(f"LIVECORE_DURABILITY={mode} is not supported on a Redis Cluster yet; use 'none' and "
                              "the cluster's own replication (or run without LIVECORE_REDIS_CLUSTER)")
    if mode != "none" and timeout_ms <= 0:
        raise DurabilityError("LIVECORE_DURABILITY_TIMEOUT_MS must be > 0 (a WAIT without timeout never answers)")
    appendonly = await _config(redis, "appendonly")
    if not demo and appendonly == "no":
        log.warning("Redis runs without an append-only file (appendonly no): a Redis restart loses every sale's "
                    "state; enable AOF, or be ready to run `livecore restore`")
    waitaof = False
    if mode == "fsync":
        version = str((await redis.info("server")).get("redis_version", "0"))
        waitaof = tuple(int(p) for p in version.split(".")[:2] if p.isdigit()) >= (7, 2)
        if appendonly == "no":
            raise DurabilityError("LIVECORE_DURABILITY=fsync needs Redis with appendonly yes")
        if not waitaof:
            fsync = await _config(redis, "appendfsync")
            if fsync != "always":
                raise DurabilityError(
                    "LIVECORE_DURABILITY=fsync: this Redis has no WAITAOF (7.2+), so it needs appendfsync always "
                    f"(found {fsync or 'unknown'}): Redis then fsyncs the AOF before it answers")
    if mode == "replica":
        try:
            info = await redis.info("replication")
            if int(info.get("connected_slaves", 0)) < 1:
                log.warning("LIVECORE_DURABILITY=replica but Redis has no connected replica: purchases answer "
                            "'unavailable' until one connects")
        except RedisError:
            pass
    return Durability(mode=mode, timeout_ms=timeout_ms, marker=marker, waitaof=waitaof)


async def confirm(redis: Redis, durability: Durability) -> bool:
    """Outside the purchase path (the order worker before it commits what it read): are all writes made so far
    on a replica (or fsynced)? Always true for ``none``."""
    commands = durability.commands()
    if not commands:
        return True
    pipe = redis.pipeline(transaction=False)
    for cmd in commands:
        pipe.execute_command(*cmd)
    try:
        results = await pipe.execute(raise_on_error=False)
    except RedisError:
        return False
    return durability.confirmed(results[-1])
