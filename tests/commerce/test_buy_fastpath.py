"""The coalesced purchase path on real Redis: snapshot answers equal the script's, retries of successful keys
are replayed by any process after the sell-out, storms share round trips and never oversell."""

from __future__ import annotations

import asyncio
import collections

from livecore.commerce.orders import OrderService
from livecore.commerce.sale_keys import SaleKeys
from livecore.commerce.sales import SalesService
from livecore.core.outcome import accepted

T0_MS = 1_800_000_000_000


async def _stream_orders(rt, room: str) -> list[str]:  # type: ignore[no-untyped-def]
    entries = await rt.redis.xrange(SaleKeys(rt.keys).orders_stream(room))
    return [f[b"o"].decode() for _, f in entries if f[b"k"] == b"order"]


def _close(svc: SalesService, room: str, sale: str) -> None:
    """Make ``svc`` believe the sale is closed, as after a refusal it saw (routing only, never the answer)."""
    svc.purchases.outlook.learn(room, sale, [b"err", b"ended"], 1)


async def test_snapshot_answers_equal_the_scripts_at_every_edge(crt, sales, make_spec, clock) -> None:  # type: ignore[no-untyped-def]
    """Every case is answered twice on the same state: through the snapshot, then by the script itself."""
    sale = await sales.create("r1", make_spec(quantity=3, per_user=2, starts_in_ms=1000, lasts_ms=5000), "h")
    sid = sale["id"]
    script = sales.purchases._script  # the script path, called directly for the reference answer

    async def both(user: str, key: str, qty: int = 1) -> tuple[list, list]:  # type: ignore[type-arg]
        now = sales.now_ms()
        _close(sales, "r1", sid)
        before = sales.purchases.stats.snapshot_answers
        fast = await sales.purchases.decide("r1", user, sid, key, qty, now)
        assert sales.purchases.stats.snapshot_answers == before + 1, "the snapshot did not answer"
        ref = await script("r1", sid, user, key, qty, now)
        return fast, ref

    clock.advance(0.999)  # 1 ms before the start
    fast, ref = await both("u1", "k1")
    assert fast == ref == [b"err", b"not_started"]
    clock.advance(0.001)  # at the start: the snapshot leaves a possible sale to the script
    _close(sales, "r1", sid)
    sold = await sales.purchases.decide("r1", "u1", sid, "k1", 1, sales.now_ms())
    assert sold[0] == b"ok" and sold[5] == 0 and sales.purchases.stats.snapshot_misses == 1
    fast, ref = await both("u1", "k1")  # the retry is replayed with the first order
    assert fast == ref and fast[:2] == [b"ok", sold[1]] and fast[5] == 1 and fast[2] == 2
    fast, ref = await both("u1", "k2", qty=2)  # 1 + 2 > 2
    assert fast == ref == [b"err", b"limit_reached"]
    assert accepted(await sales.buy("r1", "u2", sid, "k1", qty=2))  # the last two units
    fast, ref = await both("u3", "k1", qty=1)
    assert fast == ref == [b"err", b"sold_out"]
    fast, ref = await both("u1", "k3", qty=1)  # 1 + 1 <= 2: the limit allows, the stock does not
    assert fast == ref == [b"err", b"sold_out"]
    fast, ref = await both("ghost", "k1")
    assert fast == ref == [b"err", b"sold_out"]
    fast, ref = await both("u1", "k1")
    assert fast == ref and fast[1] == sold[1] and fast[2] == 0
    clock.advance(4.999)  # 1 ms before the end (starts_at + 5000)
    fast, ref = await both("u3", "k9")
    assert fast == ref == [b"err", b"sold_out"]
    clock.advance(0.001)  # at the end (exclusive)
    fast, ref = await both("u3", "k9")
    assert fast == ref == [b"err", b"ended"]
    fast, ref = await both("u1", "k1")  # a success is still replayed after the end
    assert fast == ref and fast[1] == sold[1]
    _close(sales, "r1", "nope")
    fast = await sales.purchases.decide("r1", "u1", "nope", "k1", 1, sales.now_ms())
    assert fast == await script("r1", "nope", "u1", "k1", 1, sales.now_ms()) == [b"err", b"not_found"]
    assert len(await _stream_orders(crt, "r1")) == 2


async def test_a_retry_of_a_successful_key_is_replayed_by_a_process_that_saw_the_sell_out(  # type: ignore[no-untyped-def]
        crt, sales, make_spec) -> None:
    sale = await sales.create("r1", make_spec(quantity=2, per_user=1), "h")
    sid = sale["id"]
    first = await sales.buy("r1", "alice", sid, "alice-1")  # through "gateway A"
    assert accepted(first) and not first["replayed"]
    other = SalesService(crt)  # "gateway B": its own batcher and outlook
    try:
        bob = await other.buy("r1", "bob", sid, "bob-1")  # the last unit, sold through B
        assert accepted(bob) and bob["stock"] == 0
        assert other.purchases.outlook.closed("r1", sid)
        assert (await other.buy("r1", "carol", sid, "carol-1")).code == "sold_out"
        # alice's connection to A dropped before she read the answer; she retries the same key on B
        retry = await other.buy("r1", "alice", sid, "alice-1")
        assert accepted(retry) and retry["replayed"] and retry["order"] == first["order"] and retry["stock"] == 0
        assert other.purchases.stats.snapshot_answers == 2 and other.purchases.stats.script_calls == 1
        # and a fresh key of hers is refused like anyone's
        assert (await other.buy("r1", "alice", sid, "alice-2")).code in ("limit_reached", "sold_out")
    finally:
        await other.close()
    assert sorted(await _stream_orders(crt, "r1")) == sorted([first["order"], bob["order"]])


async def test_a_storm_over_two_processes_never_oversells_and_shares_round_trips(crt, sales, make_spec) -> None:  # type: ignore[no-untyped-def]
    sale = await sales.create("r1", make_spec(quantity=300, per_user=2), "h")
    sid = sale["id"]
    other = SalesService(crt)
    try:
        services = (sales, other)

        async def attempt(i: int) -> dict:  # type: ignore[type-arg]
            return await services[i % 2].buy("r1", f"u{i % 1000}", sid, f"k{i}")

        results: list[dict] = []  # type: ignore[type-arg]
        for wave in range(10):  # waves of concurrent attempts: the later ones meet a sale known sold out
            results += await asyncio.gather(*(attempt(i) for i in range(wave * 300, wave * 300 + 300)))
        retries = await asyncio.gather(*(services[(i + 1) % 2].buy("r1", f"u{i % 1000}", sid, f"k{i}")
                                         for i in range(3000)))
    finally:
        await other.close()
    ok = [r["order"] for r in results if accepted(r)]
    assert len(ok) == len(set(ok)) == 300
    assert set(collections.Counter(r.code for r in results if not accepted(r))) <= {"sold_out", "limit_reached"}
    # every retry, sent to the other process, answers what the first attempt got
    for first, again in zip(results, retries, strict=True):
        assert accepted(again) == accepted(first) and (not accepted(first) or again["order"] == first["order"])
    assert sorted(await _stream_orders(crt, "r1")) == sorted(ok)
    assert int(await crt.redis.get(SaleKeys(crt.keys).stock("r1", sid))) == 0
    stats = [s.purchases for s in (sales, other)]
    trips = sum(p.batcher.stats.round_trips for p in stats)
    assert trips * 10 < 6000, f"{trips} round trips for 6000 attempts"
    # the retries (3000) and most refusals of the storm were answered by snapshots, not script calls
    assert sum(p.stats.snapshot_answers for p in stats) > 3000 + 1500
    assert sum(p.stats.script_calls for p in stats) < 1500


async def test_a_sale_restocked_by_an_expired_order_sells_again_where_it_looked_sold_out(  # type: ignore[no-untyped-def]
        crt, sales, make_spec, clock) -> None:
    orders = OrderService(crt, sales.stock)
    sale = await sales.create("r1", make_spec(quantity=1, per_user=1), "h")
    sid = sale["id"]
    first = await sales.buy("r1", "ann", sid, "a")
    assert accepted(first) and sales.purchases.outlook.closed("r1", sid)
    assert (await sales.buy("r1", "bob", sid, "b")).code == "sold_out"
    clock.advance(crt.settings.payment_window_s + 1)
    assert await orders.expire(first["order"])
    again = await sales.buy("r1", "bob", sid, "b")  # the snapshot sees the unit back and sends bob on
    assert accepted(again) and not again["replayed"] and again["stock"] == 0
    assert sales.purchases.stats.snapshot_misses == 1
    assert (await sales.buy("r1", "ann", sid, "a"))["order"] == first["order"]  # still her first answer
    assert sorted(await _stream_orders(crt, "r1")) == sorted([first["order"], again["order"]])


async def test_an_emptied_script_cache_under_a_storm_reloads_once_and_answers_every_attempt(  # type: ignore[no-untyped-def]
        crt, sales, make_spec) -> None:
    sale = await sales.create("r1", make_spec(quantity=40, per_user=1), "h")
    sid = sale["id"]
    assert accepted(await sales.buy("r1", "warm", sid, "w"))
    await crt.redis.script_flush()
    results = await asyncio.gather(*(sales.buy("r1", f"u{i}", sid, f"k{i}") for i in range(100)))
    assert sum(accepted(r) for r in results) == 39
    assert {r.code for r in results if not accepted(r)} == {"sold_out"}
    assert sales.purchases.batcher.stats.resent_noscript > 0
    assert len(await _stream_orders(crt, "r1")) == 40
