"""The ranking worker: consumes the per-room interaction streams in one consumer group and keeps the rankings,
metrics and keywords current; pushes rank changes to viewers and live metrics to the host console.

Scaling: every worker process is one consumer of the group ``ranking``, and each room belongs to one live consumer
(``ranking.affinity``: rendezvous hashing over the consumers that heartbeat into ``{rank}:consumers`` every
``ranking_heartbeat_s``), so a room's batch stays whole on one consumer and adding a worker adds throughput instead
of halving every Lua batch. A round reads up to ``round_max`` entries across the rooms it owns (non-blocking, one
``XREADGROUP`` per chunk of streams, per hash slot on a cluster, pipelined), hands each room's raw entries to one
Lua call, publishes the platform rankings and acknowledges (see ``ranking.aggregator``). A consumer whose heartbeat
is older than ``ranking_member_ttl_s`` is gone: its rooms move to the survivors, which take its pending entries
over with ``XAUTOCLAIM`` (on the rooms they own) once idle for ``ranking_claim_idle_ms``. During a hand-over two
consumers may briefly read the same room; that only splits a batch, it never double-counts: the Lua dedupe by event
id makes re-applying anything harmless.

Pushes are latest-value-wins room state, at most once per ``ranking_push_s`` per room and only when the value
changed: ``{"rank": {...}, "top": [...]}`` to the room, ``{"metrics": {...}}`` to ``host:<room>`` while the room is
live or a host console is present there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import msgspec
from redis.exceptions import RedisError, ResponseError

from .. import slots
from ..clock import Clock
from ..core import hourly
from ..core.hotrank import HotConfig, parse_weights
from ..core.keywords import KeywordExtractor, in_window
from ..core.session import live_of, stamp
from ..interactions.model import Interaction
from ..protocol.state import RankState, TopEntry
from ..ranking import affinity
from ..ranking.aggregator import Aggregator, Prepared, RoomResult
from ..ranking.names import GROUP, NO_SESSION, RankKeys
from ..ranking.store import RankingStore, session_of
from ..replies import streams, text
from ..runtime import Runtime

log = logging.getLogger(__name__)

LIVE_TTL_S = 5.0  # how long a live room's session is trusted
NOT_LIVE_TTL_S = 0.25  # how long "not live" is trusted: the room may go live at any moment
PREPARE_SLICE = 100  # rooms prepared between two yields to the event loop
PRUNE_EVERY_S = 60.0  # how often departed consumers are looked for in the owned rooms' groups

Entries = dict[str, list[tuple[bytes, bytes]]]  # room -> [(entry id, raw interaction)]
_json = msgspec.json.Encoder()
_STREAM_CHUNK = 500
_CLUSTER_POLL_MS = 20


def hot_config(rt: Runtime) -> HotConfig:
    s = rt.settings
    return HotConfig(half_life_s=s.hot_half_life_s, rules=parse_weights(s.hot_weights),
                     like_cap_per_minute=s.like_cap_per_minute)


def default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class RankingWorker:
    def __init__(self, rt: Runtime, consumer: str | None = None, *, clock: Clock | None = None,
                 round_max: int = 20_000, keywords: KeywordExtractor | None = None,
                 push: bool = True) -> None:
        s = rt.settings
        self.rt = rt
        self.clock = clock or rt.clock
        self.consumer = consumer or default_consumer_name()
        self.names = RankKeys(rt.keys)
        self.cfg = hot_config(rt)
        self.store = RankingStore(rt.redis, rt.keys, s.hot_half_life_s)
        self.aggregator = Aggregator(rt.redis, self.names, rt.scripts, self.cfg, dedupe_ttl_s=s.ranking_dedupe_ttl_s)
        self.per_room = max(1, s.ranking_batch)
        self.round_max = round_max
        self.push_enabled = push
        self.keywords = keywords
        self.rooms: list[str] = []  # every room with an interaction stream
        self.members: list[str] = []  # live consumers at the last heartbeat (empty before the first one)
        self.mine: list[str] = []  # the rooms this consumer aggregates (``affinity.share``)
        self._grouped: set[str] = set()
        self._stream_rooms: dict[bytes, str] = {}
        self._busy: set[str] = set()  # rooms that had a full read last round
        self._by_slot: bool | None = None  # the server is in cluster mode: a read keeps to one slot per command
        self._sessions: dict[str, tuple[str, bool, float]] = {}  # room -> (session, live, fetched at)
        self._active: dict[str, float] = {}  # room -> monotonic time of its last applied entry
        self._chat_dirty: set[str] = set()
        self._pushed_rank: dict[str, bytes] = {}
        self._pushed_metrics: dict[str, bytes] = {}
        self._due: dict[str, float] = {}
        self.processed = 0
        self.duplicates = 0
        self.malformed = 0
        self.session_reads = 0  # room states read for interactions that came without a session

    def figures(self) -> dict[str, int]:
        """Counts for the worker's metrics."""
        return {"processed": self.processed, "duplicates": self.duplicates, "malformed": self.malformed}

    # -- discovery and reading ---------------------------------------------------------------------------
    async def discover(self) -> list[str]:
        """Rooms with an interaction stream; creates the group on new ones (from the start of the stream)."""
        members = sorted(text(m) for m in await self.rt.redis.smembers(self.names.rooms()))
        for room in members:
            if room in self._grouped:
                continue
            try:
                await self.rt.redis.xgroup_create(self.names.stream(room), GROUP, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
            self._grouped.add(room)
        if members != self.rooms:
            self.rooms = members
            self._reassign()
        return members

    async def heartbeat(self, leave: bool = False) -> list[str]:
        """Register (or, with ``leave``, unregister) this consumer and learn the live ones; rooms are reassigned
        when the membership changed. A clean stop leaves so its rooms move at once instead of after the TTL."""
        ttl_ms = max(1, int(self.rt.settings.ranking_member_ttl_s * 1000))
        live = await self.rt.scripts.call("ranking_members", keys=[self.names.consumers()],
                                          args=[self.consumer, ttl_ms, "leave" if leave else "join"])
        members = sorted(text(m) for m in live)
        if members != self.members:
            self.members = members
            self._reassign()
            log.info("ranking worker %s: %d live consumer(s), aggregating %d of %d rooms", self.consumer,
                     len(members), len(self.mine), len(self.rooms))
        return members

    def _reassign(self) -> None:
        self.mine = affinity.share(self.rooms, self.members, self.consumer)
        self._stream_rooms = {self.names.stream(room).encode(): room for room in self.mine}
        self._busy &= set(self.mine)

    def _streams(self) -> dict[bytes, str]:
        return self._stream_rooms

    async def read(self, block_ms: int | None = None) -> Entries:
        """New entries of every room: a few per room, and up to ``ranking_batch`` from rooms that had more
        waiting last time (big rooms drain fast, small ones cost one slot in the command). Only the rooms this
        consumer owns; one that owns none (more consumers than rooms) just waits ``block_ms``."""
        by_stream = self._streams()
        if not by_stream:
            if block_ms:
                await asyncio.sleep(block_ms / 1000)
            return {}
        if self._by_slot is None:
            self._by_slot = await slots.cluster_enabled(self.rt.redis)
        small = max(10, min(self.per_room, self.round_max // len(by_stream)))
        busy = [k for k in by_stream if by_stream[k] in self._busy]
        idle = [k for k in by_stream if by_stream[k] not in self._busy]
        if block_ms is not None and self._by_slot and len(by_stream) > 1:
            # one command cannot block on streams of several slots: poll at a fraction of the block time
            await asyncio.sleep(min(block_ms, _CLUSTER_POLL_MS) / 1000)
            block_ms = None
        if block_ms is not None:
            replies = [await self.rt.redis.xreadgroup(GROUP, self.consumer, dict.fromkeys(list(by_stream), b">"),
                                                      count=small, block=block_ms)]
        else:
            pipe = self.rt.redis.pipeline(transaction=False)
            big = max(small, min(self.per_room, self.round_max // max(1, len(busy))))  # bounds a round
            for keys, count in ((busy, big), (idle, small)):
                for chunk in slots.chunks(keys, _STREAM_CHUNK, by_slot=self._by_slot):
                    pipe.xreadgroup(GROUP, self.consumer, dict.fromkeys(chunk, b">"), count=count)
            replies = await pipe.execute()
        out: Entries = {}
        self._busy.clear()
        for reply in replies:
            for stream, entries in streams(reply):
                room = by_stream[stream if isinstance(stream, bytes) else stream.encode()]
                out[room] = [(eid, fields.get(b"i", b"")) for eid, fields in entries if fields is not None]
                if len(entries) >= small:
                    self._busy.add(room)
        return out

    async def claim(self, min_idle_ms: int | None = None) -> Entries:
        """Take over entries left pending for too long in the rooms this consumer owns (by a consumer that died,
        or that owned the room before a rebalance and failed mid-round)."""
        rooms = list(self.mine)
        if not rooms:
            return {}
        idle = self.rt.settings.ranking_claim_idle_ms if min_idle_ms is None else min_idle_ms
        pipe = self.rt.redis.pipeline(transaction=False)
        for room in rooms:
            pipe.xautoclaim(self.names.stream(room), GROUP, self.consumer, idle, start_id="0-0",
                            count=self.per_room)
        out: Entries = {}
        for room, reply in zip(rooms, await pipe.execute(), strict=True):
            entries = reply[1] if reply else []
            got = [(eid, fields.get(b"i", b"")) for eid, fields in entries if fields is not None]
            if got:
                out[room] = got
        return out

    # -- applying -----------------------------------------------------------------------------------------
    async def sessions_for(self, rooms: Iterable[str]) -> dict[str, str]:
        """Live session of each room (room state ``session`` while ``live``, else ``NO_SESSION``), for the
        interactions that come without one.

        Producers stamp the session on what they append (gateways from the room state they follow, the
        purchase and payment scripts from the room state and the order), and a stamped session always wins,
        so a worker that is minutes behind still credits each interaction to the show it happened in. This
        lookup fills in the rest: interactions from producers that had not seen the room's state yet.

        A live room keeps its session until it ends, so a live room's answer is cached for a few seconds. A
        room that is not live can go live at any moment, and its next interactions (the first orders of the
        show) must count for the new session, not for no session: those rooms are read again after
        ``NOT_LIVE_TTL_S`` (a quarter second, far below the time between going live and a first purchase),
        not every round, which at thousands of rounds a second would cost a state read per room per round."""
        now = self.clock.monotonic()
        stale = [r for r in rooms if r not in self._sessions
                 or now - self._sessions[r][2] > (LIVE_TTL_S if self._sessions[r][1] else NOT_LIVE_TTL_S)]
        if stale:
            pipe = self.rt.redis.pipeline(transaction=False)
            for room in stale:
                pipe.hmget(self.rt.keys.room_state(room), ["session", "live"])
            self.session_reads += len(stale)
            for room, (session, live) in zip(stale, await pipe.execute(), strict=True):
                is_live = live_of(live) is True
                self._sessions[room] = (stamp(session_of(session), is_live) or NO_SESSION, is_live, now)
        return {r: self._sessions[r][0] for r in rooms}

    async def prepare(self, entries: Entries) -> tuple[Prepared, dict[str, list[bytes]]]:
        """Decode a round's entries and build its script payloads; returns them with the ids to acknowledge."""
        acks = {room: [eid for eid, _ in items] for room, items in entries.items() if items}
        rooms = list(acks)
        decoded: dict[str, tuple[list[Interaction], int]] = {}
        for i, room in enumerate(rooms):
            if i and i % PREPARE_SLICE == 0:  # the loop reads replies and sends publishes of the rounds in flight
                await asyncio.sleep(0)
            decoded[room] = self.aggregator.decode([blob for _, blob in entries[room]])
        # the room's session is read only where a producer did not stamp one
        unstamped = [room for room in rooms if any(not it.session for it in decoded[room][0])]
        prepared = Prepared(int(self.clock.now() * 1000), await self.sessions_for(unstamped))
        for i, room in enumerate(rooms):
            if i and i % PREPARE_SLICE == 0:
                await asyncio.sleep(0)
            self.aggregator.add(prepared, room, *decoded[room])
        return prepared, acks

    def account(self, results: dict[str, RoomResult]) -> None:
        now = self.clock.monotonic()
        applied = 0
        for room, res in results.items():
            applied += res.applied
            self.duplicates += res.duplicates
            self.malformed += res.malformed
            if res.applied:
                self._active[room] = now
            if res.chats:
                self._chat_dirty.add(room)
        self.processed += applied

    async def process(self, entries: Entries) -> dict[str, RoomResult]:
        """Apply one round completely: scripts, platform rankings, acknowledgements."""
        if not entries:
            return {}
        prepared, acks = await self.prepare(entries)
        results = await self.aggregator.execute(prepared)
        await self.aggregator.publish(results, acks)
        self.account(results)
        return results

    async def step(self, block_ms: int = 100) -> int:
        """One round: read what is new (blocking briefly when idle), apply it. Returns entries handled.

        With no room known yet there is nothing to block on in Redis: the round sleeps instead, so that the
        loop yields and discovery, pushes and the other workers of the process get to run."""
        if not self.rooms:
            await asyncio.sleep(max(block_ms, 0) / 1000)
            return 0
        entries = await self.read()
        if not entries and block_ms > 0:
            entries = await self.read(block_ms=block_ms)
        await self.process(entries)
        return sum(len(v) for v in entries.values())

    # -- pushes ---------------------------------------------------------------------------------------------
    def _is_due(self, name: str, every_s: float) -> bool:
        now = self.clock.monotonic()
        if now >= self._due.get(name, 0.0):
            self._due[name] = now + every_s
            return True
        return False

    def active_rooms(self, within_s: float) -> list[str]:
        now = self.clock.monotonic()
        for room in [r for r, t in self._active.items() if now - t > 600]:
            self._active.pop(room, None)
            self._pushed_rank.pop(room, None)
            self._pushed_metrics.pop(room, None)
        return [r for r, t in self._active.items() if now - t <= within_s]

    async def push_ranks(self) -> int:
        """Each active room's rank and top contributors, as room state, when changed."""
        rooms = self.active_rooms(120.0)
        if not rooms:
            return 0
        sessions = await self.sessions_for(rooms)
        hour = hourly.hour_of(int(self.clock.now() * 1000))
        pipe = self.rt.redis.pipeline(transaction=False)
        for room in rooms:
            pipe.zrevrank(self.names.hot(), room)
            pipe.zrevrank(self.names.hourly(hour), room)
            pipe.zscore(self.names.hourly(hour), room)
            pipe.zrevrange(self.names.contributors(room, sessions[room]), 0, 2, withscores=True)
        replies = await pipe.execute()
        names = await self.store.people.names(text(u) for i in range(len(rooms)) for u, _ in replies[4 * i + 3])
        changed: list[tuple[str, dict[str, Any]]] = []
        for i, room in enumerate(rooms):
            hot_rank, h_rank, h_value, top = replies[4 * i:4 * i + 4]
            state = {
                "rank": RankState(hot=None if hot_rank is None else hot_rank + 1,
                                  hourly=None if h_rank is None else h_rank + 1, hourly_value=int(h_value or 0)),
                "top": [TopEntry(user=text(u), name=names.get(text(u)) or text(u), value=int(v)) for u, v in top],
            }
            encoded = _json.encode(state)
            if self._pushed_rank.get(room) != encoded:
                self._pushed_rank[room] = encoded
                changed.append((room, state))
        await self.rt.bus.set_states(changed)
        return len(changed)

    async def push_metrics(self) -> int:
        """Live metrics to ``host:<room>`` for rooms that are live or have a host console present."""
        rooms = self.active_rooms(60.0)
        if not rooms:
            return 0
        await self.sessions_for(rooms)
        pipe = self.rt.redis.pipeline(transaction=False)
        for room in rooms:
            pipe.execute_command("EXISTS", self.rt.keys.room_presence("host:" + room))  # cluster-safe
        watched = [room for room, present in zip(rooms, await pipe.execute(), strict=True)
                   if present or self._sessions[room][1]]
        now_ms = int(self.clock.now() * 1000)
        changed: list[tuple[str, dict[str, Any]]] = []
        for room in watched:
            metrics = await self.store.metrics_state(room, now_ms, self._sessions[room][0])
            encoded = _json.encode(msgspec.structs.replace(metrics, ts=0))  # a change of figures, not of time
            if self._pushed_metrics.get(room) != encoded:
                self._pushed_metrics[room] = encoded
                changed.append(("host:" + room, {"metrics": metrics}))
        await self.rt.bus.set_states(changed)
        return len(changed)

    async def prune_consumers(self) -> int:
        """Forget, in the groups of the rooms this consumer owns, consumers that left (``group_prune.lua``):
        idle for ``consumer_prune_idle_s`` and holding no pending entry; live members are kept by name."""
        rooms = list(self.mine)
        if not rooms:
            return 0
        args: list[str | int] = [GROUP, self.rt.settings.consumer_prune_idle_s * 1000, self.consumer, *self.members]
        removed = 0
        for i in range(0, len(rooms), 500):
            pipe = self.rt.redis.pipeline(transaction=False)
            for room in rooms[i:i + 500]:
                await self.rt.scripts.queue(pipe, "group_prune", [self.names.stream(room)], args)
            removed += sum(int(n) for n in await self.rt.scripts.execute(pipe))
        if removed:
            log.info("ranking worker %s: forgot %d departed consumer entries", self.consumer, removed)
        return removed

    async def refresh_keywords(self, budget_s: float = 0.2) -> int:
        """Top barrage keywords of rooms that got chat since the last refresh (one worker per room at a time)."""
        if self.keywords is None or not self._chat_dirty:
            return 0
        s = self.rt.settings
        started = time.monotonic()
        done = 0
        now_ms = int(self.clock.now() * 1000)
        for room in list(self._chat_dirty):
            if time.monotonic() - started > budget_s:
                break
            self._chat_dirty.discard(room)
            lock_ms = max(100, int(s.keyword_refresh_s * 800))
            if not await self.rt.redis.set(self.names.keywords_lock(room), self.consumer, nx=True, px=lock_ms):
                continue
            texts = in_window(await self.store.chat_entries(room), now_ms, s.keyword_window_s)
            top = self.keywords.top(texts)
            payload = {"ts": now_ms, "window_s": s.keyword_window_s, "texts": len(texts),
                       "keywords": [k.as_dict() for k in top]}
            await self.rt.redis.set(self.names.keywords(room), _json.encode(payload),
                                    ex=max(60, s.keyword_window_s * 2))
            done += 1
        return done

    # -- the loop --------------------------------------------------------------------------------------------
    async def periodic(self) -> None:
        """Heartbeat, discovery, takeover, pushes and keywords when due (in one call: tests, simple loops)."""
        s = self.rt.settings
        if self._is_due("heartbeat", s.ranking_heartbeat_s):
            await self.heartbeat()
        if self._is_due("discover", 2.0):
            await self.discover()
        if self._is_due("claim", max(1.0, s.ranking_claim_idle_ms / 3000)):
            await self.process(await self.claim())
        if self.push_enabled and self._is_due("push", s.ranking_push_s):
            await self.push_ranks()
            await self.push_metrics()
        if self._is_due("keywords", s.keyword_refresh_s):
            await self.refresh_keywords()

    async def _every(self, stop: asyncio.Event, every_s: float, job: Callable[[], Awaitable[object]]) -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                await job()
            except (RedisError, OSError) as exc:
                log.warning("ranking worker: %s failed (%s)", getattr(job, "__name__", "job"), exc)
            except Exception:  # a side task that dies silently would freeze the host's dashboard for good
                log.exception("ranking worker: %s failed", getattr(job, "__name__", "job"))
            wait = max(0.05, every_s - (time.monotonic() - started))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)

    async def _claim_and_process(self) -> None:
        await self.process(await self.claim())

    async def _push(self) -> None:
        await self.push_ranks()
        await self.push_metrics()

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop``; discovery, takeover, pushes and keywords run beside it as their own tasks so
        that a slow push never holds back aggregation."""
        s = self.rt.settings
        log.info("ranking worker %s started", self.consumer)
        if self.keywords is not None:
            await asyncio.to_thread(self.keywords.warm)
        await self.discover()
        with contextlib.suppress(RedisError, OSError):
            await self.heartbeat()
        side = [asyncio.create_task(self._every(stop, s.ranking_heartbeat_s, self.heartbeat)),
                asyncio.create_task(self._every(stop, 2.0, self.discover)),
                asyncio.create_task(self._every(stop, max(1.0, s.ranking_claim_idle_ms / 3000),
                                                self._claim_and_process))]
        if self.push_enabled:
            side.append(asyncio.create_task(self._every(stop, s.ranking_push_s, self._push)))
        if self.keywords is not None:
            side.append(asyncio.create_task(self._every(stop, s.keyword_refresh_s, self.refresh_keywords)))
        side.append(asyncio.create_task(self._every(stop, PRUNE_EVERY_S, self.prune_consumers)))
        backoff = 0.1
        flow = RoundPipeline(self)
        try:
            while not stop.is_set():
                try:
                    if not self.rooms:
                        await self.step()
                        continue
                    await flow.turn()
                    backoff = 0.1
                except (RedisError, OSError) as exc:
                    log.warning("ranking worker: redis unavailable (%s)", exc)
                    if "NOGROUP" in str(exc):  # Redis came back empty: discovery creates the groups again
                        self._grouped.clear()
                        with contextlib.suppress(RedisError, OSError):
                            await self.discover()
                    await flow.abandon()  # what it read stays pending and is taken over later
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(stop.wait(), backoff)
                    backoff = min(backoff * 2, 5.0)
            with contextlib.suppress(RedisError, OSError):
                await flow.finish()
        finally:
            await flow.abandon()
            stop.set()
            await asyncio.gather(*side, return_exceptions=True)
            with contextlib.suppress(RedisError, OSError):
                await self.heartbeat(leave=True)
        log.info("ranking worker %s stopped after %d interactions", self.consumer, self.processed)


class RoundPipeline:
    """The worker's main loop as overlapping stages, so that neither the worker nor Redis waits for the other:
    while Redis runs round N's scripts, the worker already holds round N+1's entries (read ahead) and builds
    their payloads; round N's platform rankings and acknowledgements go out as soon as its scripts answer (a
    task of its own, so they do not wait for round N+1's payloads), and round N+1's scripts are sent at once.

    Order is kept where it matters: a round's scripts are sent only after the previous round's have all
    answered (a room's batches apply in the order they were read, and a redelivery retry of round N runs before
    round N+1), and each round's publish waits for the previous one (absolute values never go backwards).
    Nothing is acknowledged before its scripts ran; a failure leaves the round's entries pending for takeover."""

    def __init__(self, worker: RankingWorker) -> None:
        self.w = worker
        self.ahead: asyncio.Task[Entries] | None = None
        self.applying: asyncio.Task[dict[str, RoomResult]] | None = None  # the latest round's scripts
        self.publishing: asyncio.Task[None] | None = None  # the latest round's publish (after the previous ones)

    async def turn(self) -> None:
        w = self.w
        if self.publishing is not None and self.publishing.done():
            publishing, self.publishing = self.publishing, None
            publishing.result()  # a failed publish surfaces here (its entries stay pending)
        if self.ahead is not None:
            entries, self.ahead = await self.ahead, None
        else:
            entries = await w.read()
        if not entries and self.applying is None and self.publishing is None:
            entries = await w.read(block_ms=100)
        if entries:
            self.ahead = asyncio.create_task(w.read())
        following = await w.prepare(entries) if entries else None  # CPU while Redis runs the current scripts
        await self._scripts_done()
        if following is not None:
            self._send(*following)
        elif self.publishing is not None:  # nothing new: let the last publish finish before blocking
            publishing, self.publishing = self.publishing, None
            await publishing

    def _send(self, prepared: Prepared, acks: dict[str, list[bytes]]) -> None:
        self.applying = asyncio.create_task(self.w.aggregator.execute(prepared))
        self.publishing = asyncio.create_task(self._publish(self.applying, acks, self.publishing))

    async def _publish(self, scripts: asyncio.Task[dict[str, RoomResult]], acks: dict[str, list[bytes]],
                       previous: asyncio.Task[None] | None) -> None:
        results = await scripts
        if previous is not None:
            await previous
        await self.w.aggregator.publish(results, acks)
        self.w.account(results)

    async def _scripts_done(self) -> None:
        if self.applying is not None:
            applying, self.applying = self.applying, None
            await applying

    async def finish(self) -> None:
        """A clean stop: the round in flight and the one read ahead are applied and acknowledged, so nothing
        this consumer was given stays pending after it leaves."""
        await self._scripts_done()
        if self.ahead is not None:
            entries, self.ahead = await self.ahead, None
            if entries:
                self._send(*await self.w.prepare(entries))
        await self._scripts_done()
        if self.publishing is not None:
            publishing, self.publishing = self.publishing, None
            await publishing

    async def abandon(self) -> None:
        for task in (self.ahead, self.applying, self.publishing):
            if task is not None and not task.done():
                task.cancel()
            if task is not None:
                with contextlib.suppress(BaseException):
                    await task
        self.ahead = self.applying = self.publishing = None


def ranking_worker(rt: Runtime, consumer: str) -> RankingWorker:
    """Registry factory (``livecore worker --only ranking``): one ranking consumer in this process."""
    return RankingWorker(rt, consumer, keywords=KeywordExtractor())


def main() -> int:
    """``python -m livecore.workers.ranking``: a standalone ranking consumer (the bench starts these)."""
    import signal

    from ..config import Settings
    from ..runtime import open_runtime
    from ..secrets_check import require_secrets
    from ..services.discover import resolve

    settings = Settings.from_env()
    require_secrets(settings)
    settings = resolve(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with open_runtime(settings, database=False) as rt:
            await ranking_worker(rt, default_consumer_name()).run(stop)

    try:
        import uvloop

        uvloop.run(go())
    except ImportError:
        asyncio.run(go())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
