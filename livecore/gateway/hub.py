"""The per-process room registry.

One Redis pub/sub connection per process; each room with local viewers is subscribed exactly once (its bus
channel plus its moderation control channel) and unsubscribed when its last local viewer leaves. Messages
are merged per room and flushed once per tick as one frame, encoded once, written to every local viewer.

A big room's viewers are split into fan-out *groups* (``fanout_group`` viewers each), every group with its own
merger and its own offset within the tick: writing one frame to 10 000 sockets blocks the loop for ~200 ms,
during which nothing is read, no chat is published and the viewers at the end of the list wait behind the
ones at the start. Written group by group, with the loop free between groups, intake keeps flowing and a
viewer waits at most about one tick (or one round of all groups when the loop is saturated) plus its own
group's write time. Each group's frame is still encoded once and its bytes written to every viewer of the
group; a viewer stays in one group, so its frames keep their order.

Joining is two-step so that nothing is lost or doubled between the snapshot and the live stream:
``join`` subscribes (waiting for Redis to confirm) and parks the viewer as *pending*, where the frames of
the room are kept for it instead of written; the caller then reads the snapshot and replays, and
``activate`` makes the viewer live at the next tick, which first writes it one catch-up frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import msgspec
from redis.asyncio import Redis

from ..broker import wire
from ..broker.room_bus import RoomBus
from ..broker.wire import Lane
from ..clock import Clock
from ..core.merge import MergedFrame, TickMerger, catch_up_frame, state_decoder
from ..core.sampler import BarrageSampler
from ..core.session import live_of, session_id, stamp
from ..core.slow import SlowPolicy
from ..core.wordfilter import WordFilter
from ..keys import Keys
from ..moderation.store import MUTED, WORDS, ModerationStore
from .fanout import FanoutStats, Viewer, fan_out

log = logging.getLogger(__name__)


class _Ts(msgspec.Struct):
    ts: int = 0


_ts_decoder = msgspec.json.Decoder(_Ts)


MAX_GROUPS = 64  # beyond this many groups a room's groups grow instead: the tick is not cut finer


@dataclass(eq=False)
class Group:
    """Some of a room's local viewers: live ones, pending joiners (frames kept for them) and joiners to make
    live at this group's next flush."""

    merger: TickMerger
    viewers: dict[Viewer, None] = field(default_factory=dict)
    pending: dict[Viewer, list[MergedFrame]] = field(default_factory=dict)
    activating: dict[Any, tuple[list[tuple[str, bytes]], str | None]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.viewers) + len(self.pending)


@dataclass(eq=False)
class Room:
    name: str
    channel: bytes
    control: bytes
    sampler: BarrageSampler
    tick_s: float
    ready: asyncio.Future[None]
    group_size: int = 500
    groups: list[Group] = field(default_factory=list)
    member: dict[Viewer, Group] = field(default_factory=dict)  # every local viewer (pending or live) -> its group
    last_offset: str | None = None  # newest reliable offset merged: a new group's merger starts from it
    muted: dict[str, float] = field(default_factory=dict)  # user -> until (epoch seconds)
    words: WordFilter = field(default_factory=WordFilter)
    session: str = ""  # the session in the room state ("" unknown)
    live: bool | None = None  # the room state's live flag (None unknown)
    task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self.member)

    @property
    def stamp(self) -> str:
        """The session stamped on the room's interactions (livecore.core.session.stamp)."""
        return stamp(self.session, self.live)

    @property
    def viewers(self) -> list[Viewer]:
        """The live viewers of every group."""
        return [v for g in self.groups for v in g.viewers]

    def place(self, viewer: Viewer) -> Group:
        """The group a joining viewer goes to: the smallest one, or a new one when all are full."""
        group = min(self.groups, key=len) if self.groups else None
        if group is None or (len(group) >= self.group_size and len(self.groups) < MAX_GROUPS):
            group = Group(TickMerger(self.name, self.last_offset))
            self.groups.append(group)
        self.member[viewer] = group
        return group

    def remove(self, viewer: Viewer) -> None:
        group = self.member.pop(viewer, None)
        if group is None:
            return
        group.viewers.pop(viewer, None)
        group.pending.pop(viewer, None)
        group.activating.pop(viewer, None)
        if not len(group) and len(self.groups) > 1:  # the last group stays: it holds the room's merge state
            self.groups.remove(group)

    def is_muted(self, user: str, now: float) -> bool:
        until = self.muted.get(user)
        return until is not None and until > now


class Hub:
    def __init__(self, redis: Redis, keys: Keys, bus: RoomBus, moderation: ModerationStore, clock: Clock, *,
                 tick_ms: int, barrage_budget: int, policy: SlowPolicy, stats: FanoutStats,
                 on_slow: Callable[[Any], None], group_size: int = 500, health_check_s: float = 30.0) -> None:
        self.redis = redis
        self.keys = keys
        self.bus = bus
        self.moderation = moderation
        self.clock = clock
        self.tick_s = tick_ms / 1000
        self.barrage_budget = barrage_budget
        self.group_size = max(1, group_size)
        self.policy = policy
        self.stats = stats
        self.on_slow = on_slow
        self.rooms: dict[str, Room] = {}
        self._by_channel: dict[bytes, Room] = {}
        self._by_control: dict[bytes, Room] = {}
        self._pubsub = redis.pubsub()
        # Held for the hub's life: with a channel always subscribed, redis-py never runs its idle health check
        # (a PING whose reply it reads itself) inside SUBSCRIBE, which would read concurrently with the
        # reader below and fail the first join after the hub spent health_check_s without rooms. The reader
        # wakes every health_check_s instead, so redis-py's subscribed-mode PING still probes the connection.
        self._keepalive = keys.global_key("hub", secrets.token_hex(8))
        self._wake_s = max(0.05, health_check_s)
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # orders SUBSCRIBE / UNSUBSCRIBE commands
        self._tasks: set[asyncio.Task[Any]] = set()
        self.subscribes = 0
        self.unsubscribes = 0
        self.bus_messages = 0
        self.reconnects = 0

    # -- membership ----------------------------------------------------------------------------------
    async def join(self, viewer: Viewer, name: str) -> Room:
        """Park ``viewer`` as pending in room ``name``, subscribing the room first if it is new here."""
        room = self.rooms.get(name)
        if room is None:
            room = self._open(name)
        room.place(viewer).pending[viewer] = []
        try:
            await asyncio.shield(room.ready)
        except BaseException:
            self.leave(viewer, name)
            raise
        return room

    def activate(self, viewer: Viewer, room: Room, replayed: list[tuple[str, bytes]], after: str | None) -> None:
        """Make a pending viewer live at the room's next tick.

        That tick's flush writes it one catch-up frame (``replayed``, then what the room produced since the
        viewer was parked, minus reliable events at or before the last replayed offset or ``after``, the
        snapshot's offset) and then adds it to the fan-out. Deferring to the tick keeps events merged but
        not yet flushed from reaching it twice, without flushing the room once per joiner.
        """
        group = room.member.get(viewer)
        if group is not None and viewer in group.pending:
            group.activating[viewer] = (replayed, after)

    def leave(self, viewer: Viewer, name: str) -> None:
        room = self.rooms.get(name)
        if room is None:
            return
        room.remove(viewer)
        if not len(room):
            self._close(room)

    def local_count(self, name: str) -> int:
        room = self.rooms.get(name)
        return len(room) if room is not None else 0

    def set_tick(self, name: str, tick_ms: int) -> None:
        room = self.rooms.get(name)
        if room is not None:
            room.tick_s = max(0.01, tick_ms / 1000)

    def _open(self, name: str) -> Room:
        loop = asyncio.get_running_loop()
        room = Room(name=name, channel=self.keys.room_channel(name).encode(),
                    control=self.moderation.control_channel(name).encode(),
                    sampler=BarrageSampler(self.barrage_budget), tick_s=self.tick_s, ready=loop.create_future(),
                    group_size=self.group_size)
        self.rooms[name] = room
        self._by_channel[room.channel] = room
        self._by_control[room.control] = room
        self._spawn(self._subscribe(room))
        room.task = loop.create_task(self._ticker(room), name=f"tick:{name}")
        return room

    def _close(self, room: Room) -> None:
        if self.rooms.get(room.name) is room:
            del self.rooms[room.name]
        if self._by_channel.get(room.channel) is room:
            del self._by_channel[room.channel]
        if self._by_control.get(room.control) is room:
            del self._by_control[room.control]
        if room.task is not None:
            room.task.cancel()
        if not room.ready.done():
            room.ready.cancel()
        self._spawn(self._unsubscribe(room))

    async def _subscribe(self, room: Room) -> None:
        for attempt in (1, 2):  # a connection found dead is replaced by redis-py; one retry rides over it
            try:
                async with self._lock:
                    if self.rooms.get(room.name) is not room:
                        return
                    await self._pubsub.subscribe(room.channel, room.control)
                    if self._reader is None:
                        # after the room's channels: on a Redis Cluster the first channel picks the node the
                        # subscription connection talks to, and a room's events must come from the node that
                        # appends them (the keepalive's slot is elsewhere: its messages would be forwarded
                        # over the cluster bus, behind the stream the join's snapshot reads)
                        await self._pubsub.subscribe(self._keepalive)
                    self.subscribes += 1
                    if self._reader is None:
                        self._reader = asyncio.get_running_loop().create_task(self._read(), name="hub-reader")
                return
            except Exception as exc:
                if attempt == 2:
                    if not room.ready.done():
                        room.ready.set_exception(exc)
                    return
                log.warning("subscribing room %s failed (%s); retrying", room.name, exc)
                await asyncio.sleep(0.05)

    async def _unsubscribe(self, room: Room) -> None:
        async with self._lock:
            if room.name in self.rooms:  # joined again meanwhile: that room owns the subscription
                return
            with contextlib.suppress(Exception):
                await self._pubsub.unsubscribe(room.channel, room.control)
                self.unsubscribes += 1

    async def _confirmed(self, room: Room) -> None:
        """Redis confirmed both subscriptions: load moderation state, then let joiners read the snapshot."""
        try:
            await self._load_moderation(room, None)
        except Exception as exc:
            if not room.ready.done():
                room.ready.set_exception(exc)
            return
        if not room.ready.done():
            room.ready.set_result(None)

    async def _load_moderation(self, room: Room, what: bytes | None) -> None:
        if what in (None, MUTED.encode()):
            room.muted = await self.moderation.muted(room.name)
        if what in (None, WORDS.encode()):
            room.words = WordFilter(await self.moderation.words(room.name))

    # -- the bus -------------------------------------------------------------------------------------
    async def _read(self) -> None:
        backoff = 0.05
        lost = False
        while True:
            try:
                message = await self._pubsub.get_message(timeout=self._wake_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("room bus subscription lost (%s); reconnecting", exc)
                lost = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            backoff = 0.05
            if lost:
                lost = False
                self.reconnects += 1
                for room in list(self.rooms.values()):
                    self._spawn(self._recover(room))
            if message is None:
                continue
            kind = message["type"]
            if kind == "message":
                self._dispatch(message["channel"], message["data"])
            elif kind == "subscribe":
                subscribed = self._by_control.get(message["channel"])
                if subscribed is not None and not subscribed.ready.done():
                    self._spawn(self._confirmed(subscribed))

    async def _recover(self, room: Room) -> None:
        """After the subscription was lost: fetch reliable events published meanwhile (duplicates are
        dropped by offset in the merger) and reload moderation state."""
        try:
            after = room.last_offset or await self.bus.last_offset(room.name)
            if after is not None:
                replay = await self.bus.replay(room.name, after)
                for offset, payload in replay.events:
                    self._merge(room, Lane.RELIABLE, payload, offset)
            await self._load_moderation(room, None)
        except Exception as exc:
            log.warning("catch-up of room %s failed: %s", room.name, exc)

    def _dispatch(self, channel: bytes, data: bytes) -> None:
        self.bus_messages += 1
        room = self._by_channel.get(channel)
        if room is None:
            room = self._by_control.get(channel)
            if room is not None:
                self._spawn(self._load_moderation(room, data))
            return
        try:
            if data[:1] == b"S":
                changes = state_decoder.decode(data[1:])
                if "session" in changes:
                    room.session = session_id(bytes(changes["session"]))
                if "live" in changes:
                    room.live = live_of(bytes(changes["live"]))
                for group in room.groups:
                    group.merger.add_state(changes)
                return
            event = cast("wire.BusEvent", wire.decode(data))  # state messages were handled above
            if event.lane is Lane.BARRAGE and not room.sampler.admit(_ts_decoder.decode(event.payload).ts):
                self._drop("sampled")
                return
            if not self._merge(room, event.lane, event.payload, event.offset):
                self._drop("duplicate_offset")
        except (ValueError, msgspec.DecodeError) as exc:
            self._drop("bad_bus_message")
            log.warning("room %s: unreadable bus message (%s)", room.name, exc)

    @staticmethod
    def _merge(room: Room, lane: Lane, payload: bytes, offset: str | None) -> bool:
        """Queue an event in every group of the room; False for a reliable event already merged. All groups
        saw the same events in the same order (a new one starts at ``room.last_offset``), so they agree."""
        added = False
        for group in room.groups:
            added = group.merger.add(lane, payload, offset) or added
        if added and offset is not None:
            room.last_offset = offset
        return added

    def _drop(self, reason: str) -> None:
        drops = self.stats.drops
        drops[reason] = drops.get(reason, 0) + 1

    # -- ticks ---------------------------------------------------------------------------------------
    async def _ticker(self, room: Room) -> None:
        """Flush the room's groups one at a time, spread evenly over the tick. The loop is free between two
        groups (at least one ``sleep(0)``), so reading, intake and the bus reader run during a fan-out."""
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            groups = list(room.groups)
            step = room.tick_s / max(1, len(groups))
            for group in groups:
                due += step
                delay = due - loop.time()
                if delay < 0:  # fell behind (a busy loop): do not try to catch up with a burst of flushes
                    due, delay = loop.time(), 0.0
                await asyncio.sleep(delay)
                if room.member and (group in room.groups):
                    try:
                        self.flush_group(room, group)
                    except Exception:
                        log.exception("tick of room %s failed", room.name)

    def flush(self, room: Room) -> list[MergedFrame]:
        """Flush every group of the room now (the ticker flushes them one by one)."""
        frames = [self.flush_group(room, group) for group in list(room.groups)]
        return [f for f in frames if f is not None]

    def flush_group(self, room: Room, group: Group) -> MergedFrame | None:
        ts = int(self.clock.now() * 1000)
        frame = group.merger.flush(ts)
        joined = self._catch_up(room, group, frame, ts) if group.activating else None
        if frame is not None:
            for kept in group.pending.values():
                kept.append(frame)
            if group.viewers:
                doomed = fan_out(group.viewers, frame.full, frame.lite, self.policy, self.clock.monotonic(),
                                 self.stats)
                for viewer in doomed:
                    self.stats.slow_closed += 1
                    self.on_slow(viewer)
        if joined:
            group.viewers.update(joined)
        return frame

    def _catch_up(self, room: Room, group: Group, frame: MergedFrame | None, ts: int) -> dict[Any, None]:
        activating, group.activating = group.activating, {}
        for viewer, (replayed, after) in activating.items():
            kept = group.pending.pop(viewer, [])
            if frame is not None:
                kept.append(frame)
            data = catch_up_frame(room.name, replayed, kept, ts, after)
            if data is not None:
                viewer.write(data)
        return dict.fromkeys(activating)

    # -- lifecycle -----------------------------------------------------------------------------------
    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for room in list(self.rooms.values()):
            if room.task is not None:
                room.task.cancel()
        self.rooms.clear()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await self._pubsub.aclose()
