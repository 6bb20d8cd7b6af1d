"""Group deals lost by an empty Redis (a private redis-server, restarted) come back from PostgreSQL with
``livecore restore``: open groups keep filling (and dissolve at their deadline), complete groups keep their members'
payments (the unpaid still pay or lapse), retried opens and joins replay, nobody holds more than the per-user
limit, the units stay ``left + reserved + confirmed``, and reconciliation agrees afterwards."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from gbhelp import PRODUCT, ROOM, T0, T0_MS, counters, ok, seed_cart
from redis.exceptions import ConnectionError as RedisConnectionError

from livecore.clock import ManualClock
from livecore.commerce.restore import restore
from livecore.core.outcome import Refusal
from livecore.features.base import RestoreScope
from livecore.features.groupbuy.model import DealIn
from livecore.features.groupbuy.persist import persister
from livecore.features.groupbuy.reconcile import reconcile
from livecore.features.groupbuy.restore import rebuild
from livecore.features.groupbuy.service import GroupBuyService
from livecore.features.groupbuy.settle import GroupTimer
from livecore.runtime import Runtime, open_runtime
from livecore.services.redis_server import RedisServer


def code(answer: object) -> str:
    assert isinstance(answer, Refusal), answer
    return answer.code.value


async def lose_redis(rt: Runtime, server: RedisServer) -> None:
    server.restart()  # back empty: deals, groups, holds, idempotency records, outbox and timers are gone
    with contextlib.suppress(RedisConnectionError):
        await rt.redis.ping()
    assert rt.generation is not None and await rt.generation.check()


async def test_a_restored_deal_goes_on_where_postgresql_left_it(settings, migrated, redis_server) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock(T0)
    async with open_runtime(settings.with_(redis_url=redis_server.url, redis_cluster=False), clock=clock) as rt:
        await seed_cart(rt)
        gb = GroupBuyService(rt, state_interval_s=0.01)
        worker = persister(rt, "w")
        spec = DealIn(product=PRODUCT, price=2900, units=8, size=3, fill_s=600, ends_at=T0_MS + 3_600_000)
        deal = (await gb.create(ROOM, spec, "h1"))["id"]
        full = ok(await gb.open(ROOM, "ann", deal, "k-ann"))["group"]
        ok(await gb.join(ROOM, "bob", full, "k-bob"))
        assert ok(await gb.join(ROOM, "cat", full, "k-cat"))["status"] == "complete"
        ok(await gb.pay(ROOM, full, "ann"))
        filling = ok(await gb.open(ROOM, "dan", deal, "k-dan"))["group"]
        ok(await gb.join(ROOM, "eve", filling, "k-eve"))
        lonely = ok(await gb.open(ROOM, "fay", deal, "k-fay"))["group"]
        await worker.drain()
        before = await counters(rt, deal)
        assert before == {"left": 2, "reserved": 3, "confirmed": 3, "paid": 1, "lapsed": 0}

        await lose_redis(rt, redis_server)
        assert code(await gb.join(ROOM, "gus", filling, "k-gus")) == "unavailable"  # not "not_found": retry
        report = await restore(rt)
        [item] = report.of("groupbuy")
        assert (item.deal, item.restored, item.groups, item.open, item.members, item.left) == (deal, True, 3, 2, 6, 2)
        assert "groupbuy: 1 restored, 0 left alone" in report.text()
        again = await restore(rt, RestoreScope(feature="groupbuy"))
        assert [(i.restored, i.why) for i in again.of("groupbuy")] == [(False, "present in Redis")]
        assert await counters(rt, deal) == before

        # retries replay; the limit holds; the open group fills; the paid member stays paid
        replay = ok(await gb.join(ROOM, "eve", filling, "k-eve"))
        assert replay["replayed"] and (replay["seq"], replay["need"]) == (2, 1)
        assert ok(await gb.open(ROOM, "fay", deal, "k-fay"))["group"] == lonely
        assert code(await gb.open(ROOM, "bob", deal, "k-new")) == "limit_reached"
        assert ok(await gb.pay(ROOM, full, "ann"))["replayed"] is True
        assert ok(await gb.join(ROOM, "gus", filling, "k-gus"))["status"] == "complete"
        assert [m["payment"] for m in ok(await gb.group(ROOM, full))["members"]] == ["paid", "due", "due"]
        ok(await gb.pay(ROOM, full, "bob"))
        timer = GroupTimer(rt, gb)
        clock.advance(601)  # fay's group dissolves at its deadline
        await timer.run_once()
        assert ok(await gb.group(ROOM, lonely))["status"] == "dissolved"
        clock.advance(rt.settings.payment_window_s)  # cat (and the second group's members) never paid
        while await timer.run_once():
            pass
        assert await counters(rt, deal) == {"left": 8 - 2, "reserved": 0, "confirmed": 2, "paid": 2, "lapsed": 4}
        assert await worker.drain() + await worker.drain() > 0  # the first pass may meet NOGROUP and recreate it
        report_after = await reconcile(rt, deal)
        assert report_after.ok, report_after.text()
        await gb.close()
        await timer.drain()


def test_rebuild_recounts_the_deal_from_its_members() -> None:
    def t(ms: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)

    deal: dict[str, Any] = {"id": "gd0123456789", "room_id": ROOM, "product_id": PRODUCT, "title": "杯", "size": 2,
                            "price": 500, "fill_s": 60, "per_user": 1, "units": 10, "starts_at": t(T0_MS),
                            "ends_at": t(T0_MS + 10_000), "ended_at": None}
    groups = [{"id": "gd0123456789-0000000a", "leader": "a", "size": 2, "opened_at": t(T0_MS), "status": "complete",
               "deadline": t(T0_MS + 60_000), "settled_at": t(T0_MS + 5), "pay_by": t(T0_MS + 900_005)},
              {"id": "gd0123456789-0000000b", "leader": "c", "size": 2, "opened_at": t(T0_MS + 1), "status": "open",
               "deadline": t(T0_MS + 60_001), "settled_at": None, "pay_by": None}]
    members = [
        {"group_id": groups[0]["id"], "seq": 2, "user_id": "b", "order_id": "o2", "join_key": "kb",
         "joined_at": t(T0_MS + 5), "status": "lapsed", "paid_at": None, "settled_at": t(T0_MS + 5),
         "payment_ref": None},
        {"group_id": groups[0]["id"], "seq": 1, "user_id": "a", "order_id": "o1", "join_key": "ka",
         "joined_at": t(T0_MS), "status": "paid", "paid_at": t(T0_MS + 9), "settled_at": t(T0_MS + 5),
         "payment_ref": "r1"},
        {"group_id": groups[1]["id"], "seq": 1, "user_id": "c", "order_id": "o3", "join_key": "kc",
         "joined_at": t(T0_MS + 1), "status": "reserved", "paid_at": None, "settled_at": None, "payment_ref": None}]
    built = rebuild(deal, groups, members)
    d = built.deal
    assert (d["left"], d["reserved"], d["confirmed"], d["paid"], d["lapsed"]) == (8, 1, 1, 1, 1)
    assert d["units"] == d["left"] + d["reserved"] + d["confirmed"]
    h = built.groups[groups[0]["id"]]
    assert (h["m1"], h["ps1"], h["pr1"], h["m2"], h["ps2"], h["u:b"], h["told"]) == ("a", "paid", "r1", "b", "lapsed",
                                                                                    2, 1)
    assert built.pay_due == {} and built.open == {groups[1]["id"]: T0_MS + 60_001}
    assert built.users == {"a": 1, "c": 1}  # b lapsed: b's hold went back
    assert sorted(built.idem) == [("a", "ka", f"{groups[0]['id']}|o1|1|1|{T0_MS + 60_000}|open"),
                                  ("b", "kb", f"{groups[0]['id']}|o2|2|0|{T0_MS + 60_000}|complete"),
                                  ("c", "kc", f"{groups[1]['id']}|o3|1|1|{T0_MS + 60_001}|open")]
