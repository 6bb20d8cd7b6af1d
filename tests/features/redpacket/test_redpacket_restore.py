"""A red packet lost by an empty Redis (a private redis-server, restarted) comes back from PostgreSQL with
``livecore restore``: the packets the ledger credited are never handed out again, retried grabs replay, a user
who grabbed cannot grab again, the sum of all amounts stays the total and the end refunds exactly the leftover."""

from __future__ import annotations

import contextlib
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError

from livecore.clock import ManualClock
from livecore.commerce.restore import restore
from livecore.core.outcome import Refusal
from livecore.features.base import RestoreScope
from livecore.features.redpacket.ledger import balance
from livecore.features.redpacket.model import RedPacketIn
from livecore.features.redpacket.service import RedPacketService
from livecore.features.redpacket.worker import ledger_writer
from livecore.runtime import Runtime, open_runtime
from livecore.services.redis_server import RedisServer

ROOM = "r1"
T0 = 1_800_000_000.0


def ok(answer: object) -> dict[str, Any]:
    assert isinstance(answer, dict), answer
    return answer


def code(answer: object) -> str:
    assert isinstance(answer, Refusal), answer
    return answer.code.value


async def lose_redis(rt: Runtime, server: RedisServer) -> None:
    server.restart()  # back empty: packets, grabbers, idempotency records, outbox and timer entries are gone
    with contextlib.suppress(RedisConnectionError):  # the first call meets the old, closed connection
        await rt.redis.ping()
    assert rt.generation is not None and await rt.generation.check()  # as each process's watch notices it


async def grabs_of(rt: Runtime, packet: str) -> list[tuple[int, str, int]]:
    assert rt.db is not None
    rows = await rt.db.fetch("""SELECT packet_index, user_id, delta FROM wallet_ledger
                                WHERE red_packet_id = $1 AND kind = 'grab' ORDER BY packet_index""", packet)
    return [(r["packet_index"], r["user_id"], r["delta"]) for r in rows]


async def test_a_restored_rain_hands_out_only_the_packets_not_credited(  # type: ignore[no-untyped-def]
        settings, migrated, redis_server) -> None:
    clock = ManualClock(T0)
    async with open_runtime(settings.with_(redis_url=redis_server.url, redis_cluster=False), clock=clock) as rt:
        svc = RedPacketService(rt)
        writer = ledger_writer(rt, "w")
        rp = await svc.launch(ROOM, RedPacketIn(total=1000, count=10, window_s=20), "host")
        pid = rp["id"]
        assert rt.db is not None
        amounts = list(await rt.db.fetchval("SELECT amounts FROM red_packets WHERE id = $1", pid))
        first = {u: ok(await svc.grab(ROOM, u, pid, f"k-{u}", 0)) for u in "abcde"}
        assert [first[u]["index"] for u in "abcde"] == [0, 1, 2, 3, 4]
        # d's grab was acknowledged but never credited (its outbox entry goes with Redis); the others were
        outbox = svc.keys.outbox(ROOM)
        lost = [e for e, f in await rt.redis.xrange(outbox) if f[b"user"] == b"d"]
        await rt.redis.xdel(outbox, *lost)
        assert await writer.drain() == 4
        assert [i for i, _, _ in await grabs_of(rt, pid)] == [0, 1, 2, 4]

        await lose_redis(rt, redis_server)
        assert code(await svc.grab(ROOM, "f", pid, "k-f", 0)) == "unavailable"  # not "not_found": retry
        report = await restore(rt)
        [item] = report.of("redpacket")
        assert (item.redpacket, item.restored, item.grabs, item.remaining) == (pid, True, 4, 6)
        assert item.given == sum(amounts[i] for i in (0, 1, 2, 4)) and item.given + item.left == 1000
        assert "redpacket: 1 restored, 0 left alone" in report.text()
        again = await restore(rt, RestoreScope(feature="redpacket"))  # twice is harmless
        assert [(i.restored, i.why) for i in again.of("redpacket")] == [(False, "present in Redis")]

        replay = ok(await svc.grab(ROOM, "a", pid, "k-a", 0))
        assert replay["replayed"] and (replay["index"], replay["amount"]) == (0, first["a"]["amount"])
        assert code(await svc.grab(ROOM, "e", pid, "k-other", 0)) == "already"
        # d's packet was never credited: it is handed out again (first, in split order), then 5, 6, ...
        after = [ok(await svc.grab(ROOM, u, pid, f"k-{u}", 0)) for u in "dfg"]
        assert [(g["index"], g["amount"]) for g in after] == [(3, amounts[3]), (5, amounts[5]), (6, amounts[6])]
        assert [g["grabbed"] for g in after] == [5, 6, 7]
        assert ok(await svc.grab(ROOM, "g", pid, "k-g", 0))["index"] == 6  # replayed after the restore too
        assert await writer.drain() + await writer.drain() == 3  # the first pass may meet NOGROUP and recreate it

        clock.advance(21)
        assert await svc.end_due() == [pid]  # the timer entry came back with the packet
        credited = await grabs_of(rt, pid)
        assert [i for i, _, _ in credited] == [0, 1, 2, 3, 4, 5, 6]
        assert all(amount == amounts[i] for i, _, amount in credited)
        row = await rt.db.fetchrow("SELECT status, grabbed, given, leftover FROM red_packets WHERE id = $1", pid)
        assert (row["status"], row["grabbed"]) == ("ended", 7)
        assert row["leftover"] == sum(amounts[7:]) and row["given"] + row["leftover"] == 1000
        assert await balance(rt.db, "host") == -1000 + row["leftover"]
        assert sum(a for _, _, a in credited) + row["leftover"] == 1000
        verdict = await svc.verify(pid)
        assert verdict["ok"], verdict["problems"]
        await svc.close()


async def test_a_restored_password_packet_gets_its_phrase_back(  # type: ignore[no-untyped-def]
        settings, migrated, redis_server) -> None:
    async with open_runtime(settings.with_(redis_url=redis_server.url, redis_cluster=False),
                            clock=ManualClock(T0)) as rt:
        svc = RedPacketService(rt)
        rp = await svc.launch(ROOM, RedPacketIn(total=50, count=5, kind="password", window_s=60,
                                                phrase="Ｈappy  88"), "host")
        pid = rp["id"]
        mine = ok(await svc.grab(ROOM, "a", pid, "k1", 0, via="phrase"))
        assert await ledger_writer(rt, "w").drain() == 1
        phrases = await svc.phrases(ROOM)
        await lose_redis(rt, redis_server)
        assert await svc.phrases(ROOM) == {}
        [item] = (await restore(rt, RestoreScope(room=ROOM))).of("redpacket")
        assert item.restored and not item.due and item.grabs == 1
        assert await svc.phrases(ROOM) == phrases  # the chat pipeline recognises the phrase again
        assert code(await svc.grab(ROOM, "a", pid, "k2", 0, via="phrase")) == "already"
        assert ok(await svc.grab(ROOM, "a", pid, "k1", 0, via="phrase"))["amount"] == mine["amount"]
        assert ok(await svc.grab(ROOM, "b", pid, "k1", 0, via="phrase"))["index"] == 1
        await svc.close()


async def test_a_packet_whose_window_closed_before_the_loss_is_ended_and_refunded_once(  # type: ignore[no-untyped-def]
        settings, migrated, redis_server) -> None:
    clock = ManualClock(T0)
    async with open_runtime(settings.with_(redis_url=redis_server.url, redis_cluster=False), clock=clock) as rt:
        svc = RedPacketService(rt)
        rp = await svc.launch(ROOM, RedPacketIn(total=300, count=3, window_s=10), "host")
        pid = rp["id"]
        got = ok(await svc.grab(ROOM, "a", pid, "k", 0))
        assert await ledger_writer(rt, "w").drain() == 1
        clock.advance(11)  # the window closed; the timer had not accounted it when Redis lost its data
        await lose_redis(rt, redis_server)
        [item] = (await restore(rt)).of("redpacket")
        assert item.restored and item.due and (item.grabs, item.left) == (1, 300 - got["amount"])
        assert code(await svc.grab(ROOM, "b", pid, "k", 0)) == "ended"
        assert await svc.end_due() == [pid]
        assert await svc.end_due() == []
        assert rt.db is not None
        assert await rt.db.fetchval("SELECT leftover FROM red_packets WHERE id = $1", pid) == 300 - got["amount"]
        assert await rt.db.fetchval("SELECT count(*) FROM wallet_ledger WHERE red_packet_id = $1 AND "
                                    "kind = 'leftover'", pid) == 1
        assert (await restore(rt)).of("redpacket") == []  # ended: PostgreSQL's record, nothing to restore
        await svc.close()
