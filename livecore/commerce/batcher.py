"""One Redis round trip per event-loop iteration for the purchase path.

Why: in a purchase storm a gateway receives hundreds of ``buy`` messages per loop iteration. Sent one by one
through redis-py, each costs a round trip, a pooled-connection checkout with its timeouts, and redis-py's
pure-Python command packing (measured here: ~17 us for the 23 arguments of ``sale_buy``; hiredis packs the
same in ~2 us). ``CommandBatcher`` collects the jobs submitted during one iteration, packs them with hiredis,
writes them in one go on one pooled connection and reads the replies back in order.

A job is a few commands whose replies belong together (one ``EVALSHA``, or a ``MULTI ... EXEC`` block).
Failures keep the single-call semantics the callers rely on:

* ``NOSCRIPT`` (Redis restarted or failed over with an empty script cache): that command did not run; the
  script is loaded again and only the jobs that got it are sent once more.
* A broken connection or a timeout: any command of the batch may or may not have run, so the whole batch is
  sent once more on a fresh connection. Callers only submit what is safe to repeat (read-only blocks, and
  scripts deduplicated by an idempotency key, which replay their first answer). A second failure is raised
  to every job of the batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import hiredis
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..durability import Durability, NotDurable

log = logging.getLogger(__name__)

Command = Sequence[str | bytes | int]
RETRYABLE = (RedisConnectionError, RedisTimeoutError, OSError, asyncio.TimeoutError)


class _Job:
    __slots__ = ("commands", "script", "future")

    def __init__(self, commands: list[Command], script: AsyncScript | None,
                 future: asyncio.Future[list[Any]]) -> None:
        self.commands = commands
        self.script = script  # set for an EVALSHA job: reloaded on NOSCRIPT
        self.future = future


@dataclass
class BatcherStats:
    """Plain counters (read by tests and benchmarks): jobs per round trip is the coalescing achieved."""

    jobs: int = 0
    commands: int = 0
    round_trips: int = 0
    resent_noscript: int = 0
    resent_connection: int = 0
    failed: int = 0
    waits: int = 0  # durability confirmations sent (one per round trip that ran a script)
    not_durable: int = 0  # script jobs answered "not durable" because the confirmation timed out


# A reply is read with no timeout of its own: the whole round trip runs under one ``asyncio.timeout``, and
# redis-py's per-read timeout context (entered once per reply) was ~5% of a gateway's CPU in a grab storm.
NO_READ_TIMEOUT = math.inf


async def _read(conn: Any) -> Any:
    try:
        return await conn.read_response(timeout=NO_READ_TIMEOUT)
    except ResponseError as exc:
        return exc


def script_reply(replies: list[Any]) -> Any:
    """The reply of a script job (``submit_script``), its error reply raised."""
    reply = replies[0]
    if isinstance(reply, Exception):
        raise reply
    return reply


async def _nothing() -> list[Any]:
    return []


class CommandBatcher:
    def __init__(self, redis: Redis, *, max_commands: int = 4096, max_inflight: int = 4,
                 timeout_s: float = 10.0, durability: Durability | None = None) -> None:
        self.redis = redis
        # replica / fsync: a batch that ran a script ends with the durability commands (one WAIT per round trip)
        self.confirm = durability.commands() if durability is not None else []
        self.durability = durability
        self.max_commands = max_commands  # per round trip; the rest waits for the next one
        self.max_inflight = max_inflight  # round trips in flight at once (each holds one pooled connection)
        self.timeout_s = timeout_s
        self.stats = BatcherStats()
        self._pending: list[_Job] = []
        self._scheduled = False
        self._inflight = 0
        self._tasks: set[asyncio.Task[None]] = set()

    # -- submitting ----------------------------------------------------------------------------------
    def submit(self, commands: list[Command]) -> asyncio.Future[list[Any]]:
        """Queue ``commands`` for the next round trip; the future holds their replies in order (an error
        reply as its exception instance, not raised)."""
        job = _Job(commands, None, asyncio.get_running_loop().create_future())
        self._submit(job)
        return job.future

    async def call(self, commands: list[Command]) -> list[Any]:
        return await self.submit(commands)

    async def script(self, script: AsyncScript, keys: Sequence[str], args: Sequence[str | int]) -> Any:
        """``EVALSHA`` of ``script``; an error reply is raised like ``AsyncScript.__call__`` does."""
        return script_reply(await self.submit_script(script, keys, args))

    def submit_script(self, script: AsyncScript, keys: Sequence[str],
                      args: Sequence[str | int]) -> asyncio.Future[list[Any]]:
        """``script`` queued like ``submit`` queues commands; ``script_reply`` of the future's result is what
        ``script`` returns. (A storm's hot path awaits the future itself: one coroutine frame fewer.)"""
        job = _Job([("EVALSHA", script.sha, len(keys), *keys, *args)], script,
                   asyncio.get_running_loop().create_future())
        self._submit(job)
        return job.future

    def _submit(self, job: _Job) -> None:
        self._pending.append(job)
        self.stats.jobs += 1
        self._schedule()

    def _schedule(self) -> None:
        if not self._scheduled and self._pending and self._inflight < self.max_inflight:
            self._scheduled = True
            # runs after every callback already queued for this iteration: their jobs join this batch
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._scheduled = False
        if not self._pending or self._inflight >= self.max_inflight:
            return
        pending = self._pending
        take = n = 0
        while take < len(pending) and (take == 0 or n + len(pending[take].commands) <= self.max_commands):
            n += len(pending[take].commands)
            take += 1
        batch, self._pending = pending[:take], pending[take:]
        self._inflight += 1
        task = asyncio.get_running_loop().create_task(self._run(batch))
        self._tasks.add(task)
        task.add_done_callback(self._done)
        self._schedule()

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._inflight -= 1
        self._schedule()

    # -- round trips ---------------------------------------------------------------------------------
    async def _run(self, batch: list[_Job]) -> None:
        try:
            await self._deliver(batch)
        except BaseException as exc:
            self.stats.failed += len(batch)
            for job in batch:
                if not job.future.done():
                    job.future.set_exception(exc if isinstance(exc, Exception) else RedisConnectionError(str(exc)))
            if not isinstance(exc, Exception):
                raise

    async def _deliver(self, batch: list[_Job]) -> None:
        try:
            replies = await self._round_trip(batch)
        except RETRYABLE as exc:
            log.warning("redis batch of %d jobs failed (%s); sending it once more", len(batch), exc)
            self.stats.resent_connection += 1
            replies = await self._round_trip(batch)
        missing: list[_Job] = []
        for job, reply in zip(batch, replies, strict=True):
            if job.script is not None and isinstance(reply[0], NoScriptError):
                missing.append(job)
            elif not job.future.done():
                job.future.set_result(reply)
        if not missing:
            return
        self.stats.resent_noscript += len(missing)
        for script in {id(job.script): job.script for job in missing}.values():
            assert script is not None
            script.sha = await self.redis.script_load(script.script)
        for job in missing:
            assert job.script is not None
            job.commands = [("EVALSHA", job.script.sha, *job.commands[0][2:])]
        for job, reply in zip(missing, await self._round_trip(missing), strict=True):
            if not job.future.done():
                job.future.set_result(reply)

    async def _round_trip(self, batch: list[_Job]) -> list[list[Any]]:
        if isinstance(self.redis, RedisCluster):
            return await self._cluster_round_trip(batch)
        pool = self.redis.connection_pool
        conn = await pool.get_connection()
        ok = False
        try:
            # hiredis's stub types the command as a 1-tuple (``Tuple[X]``, not ``Tuple[X, ...]``)
            commands = [cmd for job in batch for cmd in job.commands]
            confirm = self.confirm if self.confirm and any(job.script is not None for job in batch) else []
            payload = b"".join([hiredis.pack_command(tuple(cmd))  # type: ignore[arg-type]
                                for cmd in (*commands, *confirm)])
            self.stats.round_trips += 1
            wait_s = self.durability.timeout_ms / 1000 if confirm and self.durability is not None else 0.0
            async with asyncio.timeout(self.timeout_s + wait_s):
                await conn.send_packed_command(payload, check_health=False)
                out: list[list[Any]] = []
                for job in batch:
                    replies: list[Any] = []
                    for _ in job.commands:
                        try:
                            replies.append(await conn.read_response(timeout=NO_READ_TIMEOUT))
                        except ResponseError as exc:  # an error reply: the stream stays in step
                            replies.append(exc)
                    self.stats.commands += len(job.commands)
                    out.append(replies)
                if confirm:
                    self._confirm(batch, out, [await _read(conn) for _ in confirm])
            ok = True
            return out
        finally:
            if not ok:  # replies may still be on their way: this connection is out of step
                with contextlib.suppress(Exception):
                    await conn.disconnect()
            await pool.release(conn)

    def _confirm(self, batch: list[_Job], out: list[list[Any]], confirmation: list[Any]) -> None:
        """The scripts of a batch whose confirmation failed answer ``NotDurable`` (the caller says
        ``unavailable``; the client's retry with the same key replays the order once it is durable)."""
        self.stats.waits += 1
        assert self.durability is not None
        if self.durability.confirmed(confirmation[-1]):
            return
        log.warning("durability %s: batch of %d jobs not confirmed in %d ms (%r)", self.durability.mode,
                    len(batch), self.durability.timeout_ms, confirmation[-1])
        for i, job in enumerate(batch):
            if job.script is not None and not isinstance(out[i][0], NoScriptError):  # NOSCRIPT: resent anyway
                self.stats.not_durable += 1
                out[i] = [NotDurable(f"not confirmed by {self.durability.mode} in {self.durability.timeout_ms} ms")]

    async def _cluster_round_trip(self, batch: list[_Job]) -> list[list[Any]]:
        """On a Redis Cluster: the plain commands of the batch as one cluster pipeline, which sends each node
        its share and follows the cluster through redirections; each ``MULTI`` ... ``EXEC`` job as a cluster
        transaction of its own (its keys share a slot), answered in the shape a plain server gives."""
        cluster = cast(RedisCluster, self.redis)
        in_tx = [job.commands[0][0] == "MULTI" for job in batch]
        pipe = cluster.pipeline(transaction=False)
        for job, tx in zip(batch, in_tx, strict=True):
            if not tx:
                for cmd in job.commands:
                    pipe.execute_command(*cmd)
        self.stats.round_trips += 1

        async def transaction(job: _Job) -> list[Any]:
            tx = cluster.pipeline(transaction=True)
            inner = job.commands[1:-1]
            for cmd in inner:
                tx.execute_command(*cmd)
            try:
                results: Any = await tx.execute(raise_on_error=False)
            except ResponseError as exc:
                results = exc
            return [b"OK", *[b"QUEUED"] * len(inner), results]

        async with asyncio.timeout(self.timeout_s):
            flat, *multis = await asyncio.gather(
                pipe.execute(raise_on_error=False) if len(pipe) else _nothing(),
                *[transaction(job) for job, tx in zip(batch, in_tx, strict=True) if tx])
        out: list[list[Any]] = []
        i = 0
        answers = iter(multis)
        for job, tx in zip(batch, in_tx, strict=True):
            n = len(job.commands)
            self.stats.commands += n
            if tx:
                out.append(next(answers))
            else:
                out.append(list(flat[i:i + n]))
                i += n
        return out

    async def close(self) -> None:
        """Wait for the round trips in flight (shutdown, tests)."""
        while self._tasks or self._pending:
            if self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
            else:
                await asyncio.sleep(0)
