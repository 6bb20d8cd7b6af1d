"""Settling groups that time out (拼团失败), telling the room of every settled group, and lapsing the unpaid orders of
complete groups whose payment window closed: the ``groupbuy-timer`` worker.

Each room with group deals has a timer zset (group -> due ms). An open group is due at its deadline:
``groupbuy_expire.lua`` dissolves it unless the last join completed it first (both decide on the group's
status in one step, so a group is settled once, one way). A settled group stays due until the room has been
told (``GroupBuyService.announce``: once, on the group's ``told`` flag), so a process dying between settling
and telling leaves the group for the next pass, never a group told twice or not at all.

A complete group is also due in the room's payment zset at its ``pay_by`` until every member has paid:
``groupbuy_lapse.lua`` then voids the unpaid members' orders and gives their units back (a payment and the lapse
decide on the same member field, so each member ends paid or lapsed, once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from redis.exceptions import RedisError

from ... import replies
from ...runtime import Runtime
from .keys import GroupKeys
from .model import deal_of
from .service import GroupBuyService

log = logging.getLogger(__name__)

PASS_LIMIT = 500  # groups looked at per room per pass


async def expire(rt: Runtime, keys: GroupKeys, room: str, group: str, now_ms: int) -> str:
    """Run ``groupbuy_expire.lua`` for one group; the script's first word: ``dissolved`` (by this call),
    ``settled`` (complete or dissolved before), ``not_due`` or ``gone``."""
    deal = deal_of(group)
    if deal is None:
        await rt.redis.zrem(keys.timers(room), group)
        return "gone"
    res = await rt.scripts.call(
        "groupbuy_expire",
        keys=[keys.deal(room, deal), keys.users(room, deal), keys.open_groups(room, deal), keys.group(room, group),
              keys.timers(room), keys.stream(room)],
        args=[group, now_ms, rt.settings.order_stream_maxlen])
    return replies.text(res[0])


async def lapse(rt: Runtime, keys: GroupKeys, room: str, group: str, now_ms: int) -> int:
    """Run ``groupbuy_lapse.lua`` for one complete group past its payment window; the members lapsed now."""
    deal = deal_of(group)
    if deal is None:
        await rt.redis.zrem(keys.pay_due(room), group)
        return 0
    res = await rt.scripts.call(
        "groupbuy_lapse",
        keys=[keys.group(room, group), keys.deal(room, deal), keys.users(room, deal), keys.pay_due(room),
              keys.stream(room)],
        args=[group, now_ms, rt.settings.order_stream_maxlen])
    return int(res[1]) if replies.text(res[0]) == "lapsed" else 0


class GroupTimer:
    """Dissolves due groups and finishes announcements, room by room."""

    def __init__(self, rt: Runtime, service: GroupBuyService | None = None, *, interval_s: float = 0.2) -> None:
        self.rt = rt
        self.k = GroupKeys(rt.keys)
        self.service = service or GroupBuyService(rt)
        self.interval_s = interval_s
        self.dissolved = 0
        self.announced = 0
        self.lapsed = 0

    async def run_once(self) -> int:
        """One pass over every room; returns how many groups it settled, announced or lapsed."""
        now = self.service.now_ms()
        done = 0
        for raw in await self.rt.redis.smembers(self.k.rooms()):
            room = replies.text(raw)
            for group in await self._due(self.k.timers(room), now):
                try:
                    done += await self._settle(room, group, now)
                except RedisError as exc:
                    log.warning("group %s/%s: could not settle (%s); next pass", room, group, exc)
            for group in await self._due(self.k.pay_due(room), now):
                try:
                    done += await self._lapse(room, group, now)
                except RedisError as exc:
                    log.warning("group %s/%s: could not lapse its unpaid orders (%s); next pass", room, group, exc)
        return done

    async def _due(self, zset: str, now: int) -> list[str]:
        """The groups due in ``zset`` by ``now`` (at most ``PASS_LIMIT``)."""
        due = await self.rt.redis.zrangebyscore(zset, "-inf", now, start=0, num=PASS_LIMIT)
        return [replies.text(g) for g in replies.members(due)]

    async def _lapse(self, room: str, group: str, now: int) -> int:
        n = await lapse(self.rt, self.k, room, group, now)
        self.lapsed += n
        deal = deal_of(group)
        if n and deal is not None:
            self.service.mark(room, deal)
        return 1

    async def _settle(self, room: str, group: str, now: int) -> int:
        what = await expire(self.rt, self.k, room, group, now)
        if what in ("gone", "not_due"):
            return 0
        if what == "dissolved":
            self.dissolved += 1
        if await self.service.announce(room, group):
            self.announced += 1
        return 1

    async def drain(self) -> None:
        await self.service.state.drain()

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    n = await self.run_once()
                except (RedisError, OSError) as exc:
                    log.warning("group timer: redis unavailable (%s)", exc)
                    n = 0
                if n == 0:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.interval_s)
        finally:
            await self.service.close()


def timer(rt: Runtime, consumer: str) -> Any:
    """The ``groupbuy-timer`` worker."""
    return GroupTimer(rt)
