"""Red packets on real Redis and PostgreSQL, on a manual clock: window and condition edges to the millisecond,
one packet per user, retries, the end's accounting, and the verifier on tampered records."""

from __future__ import annotations

import hashlib

import msgspec
import pytest

from livecore.clock import ManualClock
from livecore.core.outcome import Refusal, RefusedError
from livecore.features.redpacket.events import RedPacketEvent
from livecore.features.redpacket.ledger import balance
from livecore.features.redpacket.model import RedPacketIn
from livecore.features.redpacket.service import RedPacketService
from livecore.features.redpacket.worker import ledger_writer
from livecore.people import PeopleStore
from livecore.protocol.codec import event_decoder

ROOM = "r1"


def at(clock: ManualClock, millis: int) -> None:
    """Move the clock to ``millis`` (epoch ms)."""
    clock.advance(millis / 1000 - clock.now())
    assert round(clock.now() * 1000) == millis


def code(answer: object) -> str:
    assert isinstance(answer, Refusal), answer
    return answer.code.value


async def test_the_window_is_open_from_its_first_to_its_last_millisecond(packets: RedPacketService,
                                                                          clock: ManualClock) -> None:
    rp = await packets.launch(ROOM, RedPacketIn(total=1000, count=10, window_s=10, start_in_s=5), "host")
    starts, ends = rp["starts_at"], rp["ends_at"]
    assert ends - starts == 10_000 and rp["grabbed"] == 0 and rp["status"] == "open"
    at(clock, starts - 1)
    assert code(await packets.grab(ROOM, "a", rp["id"], "k", 100)) == "not_started"
    at(clock, starts)
    first = await packets.grab(ROOM, "a", rp["id"], "k", 100)
    assert isinstance(first, dict) and first["index"] == 0 and first["grabbed"] == 1
    at(clock, ends - 1)
    assert isinstance(await packets.grab(ROOM, "b", rp["id"], "k", 100), dict)
    at(clock, ends)
    assert code(await packets.grab(ROOM, "c", rp["id"], "k", 100)) == "ended"
    # a retry of a key that was answered still gets its first answer after the end
    again = await packets.grab(ROOM, "a", rp["id"], "k", 100)
    assert isinstance(again, dict) and again["amount"] == first["amount"] and again["replayed"]


async def test_watch_and_follow_conditions_to_the_millisecond(packets: RedPacketService, crt) -> None:  # type: ignore[no-untyped-def]
    watch = await packets.launch(ROOM, RedPacketIn(total=100, count=5, condition="watch", watch_s=30), "host")
    assert code(await packets.grab(ROOM, "a", watch["id"], "k", 29.999)) == "not_eligible"
    assert isinstance(await packets.grab(ROOM, "a", watch["id"], "k2", 30.0), dict)
    follow = await packets.launch(ROOM, RedPacketIn(total=100, count=5, condition="follow"), "host")
    assert code(await packets.grab(ROOM, "b", follow["id"], "k", 999)) == "not_eligible"
    await crt.redis.sadd(crt.keys.room(ROOM, "followers"), "b")
    assert isinstance(await packets.grab(ROOM, "b", follow["id"], "k", 0), dict)


async def test_one_packet_per_user_retries_answer_the_first_and_packets_run_out(packets: RedPacketService) -> None:
    rp = await packets.launch(ROOM, RedPacketIn(total=300, count=3), "host")
    first = await packets.grab(ROOM, "a", rp["id"], "k1", 0)
    assert isinstance(first, dict) and not first["replayed"]
    replay = await packets.grab(ROOM, "a", rp["id"], "k1", 0)
    assert isinstance(replay, dict) and replay["replayed"] and replay["index"] == first["index"]
    assert code(await packets.grab(ROOM, "a", rp["id"], "k2", 0)) == "already"
    for user in ("b", "c"):
        assert isinstance(await packets.grab(ROOM, user, rp["id"], "k", 0), dict)
    assert code(await packets.grab(ROOM, "d", rp["id"], "k", 0)) == "sold_out"
    assert code(await packets.grab(ROOM, "a", "rpnope", "k", 0)) == "not_found"
    assert (await packets.get(ROOM, rp["id"]))["grabbed"] == 3  # type: ignore[index]


async def test_a_password_packet_is_not_grabbed_by_tap_and_a_rain_not_by_phrase(packets: RedPacketService) -> None:
    pw = await packets.launch(ROOM, RedPacketIn(total=100, count=2, kind="password", phrase="Happy 88"), "host")
    assert code(await packets.grab(ROOM, "a", pw["id"], "k", 0)) == "not_eligible"
    assert isinstance(await packets.grab(ROOM, "a", pw["id"], "phrase", 0, via="phrase"), dict)
    assert (await packets.phrases(ROOM)) == {"happy88": (pw["id"], pw["ends_at"])}
    with pytest.raises(RefusedError) as busy:
        await packets.launch(ROOM, RedPacketIn(total=100, count=2, kind="password", phrase="ＨＡＰＰＹ88"), "host")
    assert busy.value.code.value == "busy"
    rain = await packets.launch(ROOM, RedPacketIn(total=100, count=2), "host")
    assert code(await packets.grab(ROOM, "a", rain["id"], "k", 0, via="phrase")) == "not_eligible"


@pytest.mark.parametrize(("spec", "why"), [
    ({"total": 5, "count": 6}, "count must not exceed total"),
    ({"total": 100, "count": 5, "window_s": 9}, "10-60 seconds"),
    ({"total": 100, "count": 5, "window_s": 61}, "10-60 seconds"),
    ({"total": 100, "count": 5, "kind": "password"}, "needs a phrase"),
    ({"total": 100, "count": 5, "condition": "watch"}, "watch_s > 0"),
])
async def test_bad_launches_are_refused(packets: RedPacketService, spec: dict, why: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(RefusedError) as refused:
        await packets.launch(ROOM, RedPacketIn(**spec), "host")
    assert why in refused.value.message


async def test_the_end_gives_the_leftover_back_tells_the_room_once_and_verifies(
        packets: RedPacketService, crt, db, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    await PeopleStore(crt.redis, crt.keys).remember("u1", "小明")
    rp = await packets.launch(ROOM, RedPacketIn(total=1000, count=10, window_s=10), "host")
    assert await balance(db, "host") == -1000
    got = {}
    for i in range(4):
        answer = await packets.grab(ROOM, f"u{i}", rp["id"], "k", 0)
        assert isinstance(answer, dict)
        got[f"u{i}"] = answer["amount"]
    clock.advance(9.999)
    with pytest.raises(RefusedError):
        await packets.end(ROOM, rp["id"], early=False)  # not yet: the timer ends it only after ends_at
    clock.advance(0.001)
    assert await packets.end_due() == [rp["id"]]
    assert await packets.end_due() == []
    ended = await packets.end(ROOM, rp["id"], early=False)  # a repeat changes nothing
    given = sum(got.values())
    assert ended["status"] == "ended" and ended["given"] == given and ended["leftover"] == 1000 - given
    assert hashlib.sha256(ended["seed"].encode()).hexdigest() == rp["seed_hash"]
    assert ended["top"][0]["amount"] == max(got.values())
    assert {t["user"]: t["name"] for t in ended["top"]}["u1"] == "小明"
    told = [event_decoder.decode(f[b"e"]) for _, f in await crt.redis.xrange(crt.keys.room_events(ROOM))]
    ends = [e for e in told if isinstance(e, RedPacketEvent) and e.phase == "ended"]
    assert len(ends) == 1 and ends[0].data["leftover"] == 1000 - given
    state = await crt.bus.state(ROOM)
    assert state[f"redpacket:{rp['id']}"]["grabbed"] == 4
    # credited by the worker, the leftover back to the host
    writer = ledger_writer(crt, "w1")
    assert await writer.drain() == 4
    for user, amount in got.items():
        assert await balance(db, user) == amount
    assert await balance(db, "host") == -given
    assert await db.fetchval("SELECT sum(delta) FROM wallet_ledger WHERE red_packet_id = $1", rp["id"]) == 0
    report = await packets.verify(rp["id"])
    assert report["ok"], report["problems"]
    assert report["recomputed"] == (await packets.public_record(rp["id"]))["amounts"]  # type: ignore[index]
    # tampering with the seed, one recorded amount, or one credit is caught
    seed = report["seed"]
    await db.execute("UPDATE red_packets SET seed = $2 WHERE id = $1", rp["id"], "0" * 64)
    assert not (await packets.verify(rp["id"]))["ok"]
    await db.execute("UPDATE red_packets SET seed = $2 WHERE id = $1", rp["id"], seed)
    await db.execute("UPDATE red_packets SET amounts[5] = amounts[5] + 1, amounts[6] = amounts[6] - 1 "
                     "WHERE id = $1", rp["id"])
    assert not (await packets.verify(rp["id"]))["ok"]
    await db.execute("UPDATE red_packets SET amounts[5] = amounts[5] - 1, amounts[6] = amounts[6] + 1 "
                     "WHERE id = $1", rp["id"])
    assert (await packets.verify(rp["id"]))["ok"]
    await db.execute("UPDATE wallet_ledger SET delta = delta + 1 WHERE ref = $1", f"{rp['id']}#0")
    bad = await packets.verify(rp["id"])
    assert not bad["ok"] and any("packet 0" in p for p in bad["problems"])


async def test_the_verifier_refuses_an_open_packet_and_keeps_its_seed(packets: RedPacketService) -> None:
    rp = await packets.launch(ROOM, RedPacketIn(total=100, count=3), "host")
    report = await packets.verify(rp["id"])
    assert not report["ok"] and "seed" not in report
    record = await packets.public_record(rp["id"])
    assert record is not None and "seed" not in record and "amounts" not in record
    assert msgspec.json.encode(await packets.get(ROOM, rp["id"])).find(b'"seed"') == -1


async def test_a_launch_that_died_before_opening_is_ended_and_refunded_by_the_timer(
        packets: RedPacketService, crt, db, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    rp = await packets.launch(ROOM, RedPacketIn(total=700, count=7, window_s=10), "host")
    keys = packets.keys.packet(ROOM, rp["id"])
    await crt.redis.hset(keys.hash, "status", "pending")  # as if the launcher died after its transaction
    assert code(await packets.grab(ROOM, "a", rp["id"], "k", 0)) == "not_started"
    clock.advance(10)
    assert await packets.end_due() == [rp["id"]]
    assert await balance(db, "host") == 0  # paid 700 at launch, 700 back
    assert (await packets.verify(rp["id"]))["ok"]
