"""Coupons on real Redis and PostgreSQL: totals, per-user limits, window edges, single redemption."""

import asyncio

import msgspec
import pytest
from commercehelp import together

from livecore.clock import ManualClock
from livecore.core.outcome import RefusedError, accepted
from livecore.features.coupons.service import CouponBatchIn, CouponService, persist_claims
from livecore.protocol.codec import event_decoder
from livecore.protocol.events import CouponEvent

T0 = 1_700_000_000.0  # the manual clock's start (seconds)
M0 = int(T0 * 1000)  # the same in epoch milliseconds, as the API speaks


@pytest.fixture
def clock(runtime) -> ManualClock:  # type: ignore[no-untyped-def]
    runtime.clock = ManualClock(T0)
    return runtime.clock


@pytest.fixture
async def svc(runtime, clock):  # type: ignore[no-untyped-def]
    service = CouponService(runtime)
    yield service
    await service.close()


def spec(**kw: object) -> CouponBatchIn:
    base: dict[str, object] = dict(kind="fixed", amount=500, total=10, per_user=1, starts_at=M0, ends_at=M0 + 600_000,
                                   valid_for_s=3600)
    base.update(kw)
    return CouponBatchIn(**base)  # type: ignore[arg-type]


async def room_events(runtime, room: str) -> list[CouponEvent]:  # type: ignore[no-untyped-def]
    entries = await runtime.redis.xrange(runtime.keys.room_events(room))
    events = [event_decoder.decode(fields[b"e"]) for _, fields in entries]
    return [e for e in events if isinstance(e, CouponEvent)]


async def test_total_holds_under_concurrent_claims(runtime, svc) -> None:  # type: ignore[no-untyped-def]
    batch = await svc.create_batch("r1", spec(total=50), actor="host1")
    assert batch["remaining"] == 50
    results = await together(svc.claim("r1", f"u{i}", batch["id"], "k1") for i in range(300))
    ok = [r for r in results if accepted(r)]
    assert len(ok) == 50
    assert len({r["claim"] for r in ok}) == 50
    assert {r.code for r in results if not accepted(r)} == {"sold_out"}
    assert (await svc.batch("r1", batch["id"]))["remaining"] == 0
    assert await runtime.redis.xlen(svc.stream("r1")) == 50
    await svc.state.drain()
    state = await runtime.bus.state("r1")
    assert state[f"coupon:{batch['id']}"]["remaining"] == 0
    phases = [e.phase for e in await room_events(runtime, "r1")]
    assert phases == ["issued", "exhausted"]


async def test_per_user_limit_and_idempotent_retry(runtime, svc) -> None:  # type: ignore[no-untyped-def]
    batch = (await svc.create_batch("r1", spec(per_user=2), actor="host1"))["id"]
    results = await asyncio.gather(*(svc.claim("r1", "alice", batch, f"key{i}") for i in range(6)))
    assert sorted("ok" if accepted(r) else r.code for r in results) == ["limit_reached"] * 4 + ["ok"] * 2
    i0 = next(i for i, r in enumerate(results) if accepted(r))
    again = await svc.claim("r1", "alice", batch, f"key{i0}")
    assert accepted(again) and again["replayed"] and again["claim"] == results[i0]["claim"]
    assert not results[i0]["replayed"]
    assert await runtime.redis.xlen(svc.stream("r1")) == 2  # the retry wrote nothing
    assert (await svc.batch("r1", batch))["remaining"] == 8
    assert accepted(await svc.claim("r1", "bob", batch, "key0"))  # keys are per user
    assert (await svc.claim("r1", "bob", "cbnope", "k")).code == "not_found"
    assert (await svc.claim("r1", "bob", batch, "")).code == "invalid"


async def test_claim_window_edges_are_exact(runtime, svc, clock) -> None:  # type: ignore[no-untyped-def]
    window = spec(starts_at=M0 + 10_000, ends_at=M0 + 20_000, per_user=5)
    batch = (await svc.create_batch("r1", window, actor="h"))["id"]
    clock.advance(9.999)
    assert (await svc.claim("r1", "u", batch, "a")).code == "not_started"
    clock.advance(0.001)
    assert accepted(await svc.claim("r1", "u", batch, "b"))
    clock.advance(9.999)  # T0 + 19.999
    assert accepted(await svc.claim("r1", "u", batch, "c"))
    clock.advance(0.001)  # T0 + 20: the window is [starts_at, ends_at)
    assert (await svc.claim("r1", "u", batch, "d")).code == "ended"


async def test_end_batch_stops_claims_and_clears_state(runtime, svc) -> None:  # type: ignore[no-untyped-def]
    batch = (await svc.create_batch("r1", spec(), actor="h"))["id"]
    assert f"coupon:{batch}" in await runtime.bus.state("r1")
    assert await svc.end_batch("r1", batch, actor="h")
    assert not await svc.end_batch("r1", batch, actor="h")
    assert (await svc.claim("r1", "u", batch, "a")).code == "ended"
    assert f"coupon:{batch}" not in await runtime.bus.state("r1")
    actions = [r["action"] for r in await runtime.db.fetch("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["coupon.create", "coupon.end"]


async def test_invalid_batches_are_refused(svc) -> None:  # type: ignore[no-untyped-def]
    for bad in (spec(kind="bogus"), spec(amount=0), spec(total=0), spec(valid_for_s=0),
                spec(kind="threshold", amount=2000, threshold=1000), spec(ends_at=M0 - 1)):
        with pytest.raises(RefusedError) as err:
            await svc.create_batch("r1", bad, actor="h")
        assert err.value.code == "invalid"


async def test_discount_math_through_redeem(svc) -> None:  # type: ignore[no-untyped-def]
    fixed = (await svc.create_batch("r1", spec(amount=500), actor="h"))["id"]
    mj = (await svc.create_batch("r1", spec(kind="threshold", amount=2000, threshold=19900), actor="h"))["id"]
    pct = (await svc.create_batch("r1", spec(kind="percent", amount=0, percent=10, cap=1500), actor="h"))["id"]
    c_fixed = (await svc.claim("r1", "u", fixed, "a"))["claim"]
    c_mj = (await svc.claim("r1", "u", mj, "a"))["claim"]
    c_pct = (await svc.claim("r1", "u", pct, "a"))["claim"]
    offers = await svc.offers("r1", "u", 19900)
    assert [(o.coupon.claim, o.discount) for o in offers] == [(c_mj, 2000), (c_pct, 1500), (c_fixed, 500)]
    assert [o.coupon.claim for o in await svc.offers("r1", "u", 19899)] == [c_pct, c_fixed]
    with pytest.raises(RefusedError) as err:
        await svc.redeem("u", c_mj, "r1.order0000001", 19899)
    assert err.value.code == "threshold_not_met"
    assert await svc.redeem("u", c_mj, "r1.order0000001", 19900) == 2000
    assert await svc.redeem("u", c_pct, "r1.order0000002", 9999) == 999
    assert await svc.redeem("u", c_fixed, "r1.order0000003", 300) == 300  # never more than the order
    assert await svc.offers("r1", "u", 19900) == []  # all used


async def test_two_concurrent_redemptions_of_one_claim_exactly_one_wins(svc) -> None:  # type: ignore[no-untyped-def]
    batch = (await svc.create_batch("r1", spec(), actor="h"))["id"]
    claim = (await svc.claim("r1", "u", batch, "a"))["claim"]

    async def attempt(order: str) -> int | str:
        try:
            return await svc.redeem("u", claim, order, 10000)
        except RefusedError as exc:
            return exc.code

    outcomes = await asyncio.gather(*(attempt(f"r1.order000000{i}") for i in range(8)))
    assert sorted(map(str, outcomes)) == ["500"] + ["already_used"] * 7
    winner = f"r1.order000000{outcomes.index(500)}"
    assert await svc.redeem("u", claim, winner, 10000) == 500  # the same payment retried
    # release gives it back exactly once, concurrently too
    released = await asyncio.gather(*(svc.release(winner) for _ in range(5)))
    assert released.count(True) == 1
    assert not await svc.release(winner)
    assert not await svc.release("never-redeemed")
    # and it can be redeemed again, once
    outcomes = await asyncio.gather(*(attempt(f"r1.payment00000{i}") for i in range(8)))
    assert sorted(map(str, outcomes)) == ["500"] + ["already_used"] * 7
    assert (await svc.batch("r1", batch))["redeemed"] == 1


async def test_redeem_checks_owner_validity_and_one_coupon_per_order(svc, clock) -> None:  # type: ignore[no-untyped-def]
    batch = (await svc.create_batch("r1", spec(valid_for_s=100, per_user=3), actor="h"))["id"]
    later = (await svc.create_batch("r1", spec(valid_from=M0 + 50_000, valid_until=M0 + 80_000), actor="h"))["id"]
    c1 = (await svc.claim("r1", "u", batch, "a"))["claim"]
    c2 = (await svc.claim("r1", "u", batch, "b"))["claim"]
    c3 = (await svc.claim("r1", "u", later, "a"))["claim"]

    async def code(user: str, claim: str, order: str) -> str:
        with pytest.raises(RefusedError) as err:
            await svc.redeem(user, claim, order, 10000)
        return err.value.code

    assert await code("mallory", c1, "r1.order0000001") == "not_owner"
    assert await code("u", "cbmissing-1", "r1.order0000001") == "not_found"
    assert await code("u", c3, "r1.order0000001") == "not_yet_valid"
    assert await svc.redeem("u", c1, "r1.order0000001", 10000) == 500
    assert await code("u", c2, "r1.order0000001") == "order_has_coupon"
    assert await svc.release("r1.order0000001")
    assert await svc.redeem("u", c2, "r1.order0000001", 10000) == 500  # after a release the order may pick another
    clock.advance(50)
    assert await svc.redeem("u", c3, "r1.order0000003", 10000) == 500  # inside [valid_from, valid_until)
    clock.advance(50)  # T0 + 100: c1 was valid for [T0, T0 + 100)
    assert await code("u", c1, "r1.order0000004") == "expired"


async def test_claims_stream_persists_idempotently(runtime, svc) -> None:  # type: ignore[no-untyped-def]
    batch = (await svc.create_batch("r1", spec(per_user=2), actor="h"))["id"]
    c1 = (await svc.claim("r1", "u1", batch, "a"))["claim"]
    (await svc.claim("r1", "u2", batch, "a"))
    await svc.redeem("u1", c1, "r1.order0000001", 10000)
    await svc.release("r1.order0000001")
    await svc.redeem("u1", c1, "r1.order0000002", 8000)
    entries = await runtime.redis.xrange(svc.stream("r1"))
    assert [f[b"k"] for _, f in entries] == [b"claim", b"claim", b"redeem", b"release", b"redeem"]
    for _ in range(2):  # a redelivered batch changes nothing
        async with runtime.db.acquire() as conn, conn.transaction():
            await persist_claims(conn, [(i.decode(), f) for i, f in entries])
    # out of order (a release reclaimed before its redemption) ends up the same
    async with runtime.db.acquire() as conn, conn.transaction():
        await persist_claims(conn, [(i.decode(), f) for i, f in reversed(entries)])
    claims = await runtime.db.fetch("SELECT id, user_id, room_id FROM coupon_claims ORDER BY id")
    assert [(r["user_id"], r["room_id"]) for r in claims] == [("u1", "r1"), ("u2", "r1")]
    reds = await runtime.db.fetch(
        "SELECT claim_id, order_id, discount, released_at IS NOT NULL AS released FROM coupon_redemptions ORDER BY id")
    assert [(r["claim_id"], r["order_id"], r["discount"], r["released"]) for r in reds] == [
        (c1, "r1.order0000001", 500, True), (c1, "r1.order0000002", 500, False)]
    raw = msgspec.json.decode(await runtime.redis.hget(runtime.keys.room("r1", "coupon", batch, "claims"), "1"))
    assert raw["user"] == "u1"


async def test_claims_worker_persists_through_the_outbox(runtime, svc) -> None:  # type: ignore[no-untyped-def]
    from livecore.features.coupons.service import claims_persister

    b1 = (await svc.create_batch("r1", spec(per_user=3), actor="h"))["id"]
    b2 = (await svc.create_batch("r2", spec(), actor="h"))["id"]
    claims = [(await svc.claim("r1", "u1", b1, k))["claim"] for k in ("a", "b", "c")]
    claims.append((await svc.claim("r2", "u2", b2, "a"))["claim"])
    assert await svc.redeem("u1", claims[0], "r1.order0000001", 5000) == 500
    assert await svc.release("r1.order0000001")
    worker = claims_persister(runtime, "test-consumer")
    assert await worker.drain() == 6
    assert await worker.drain() == 0
    rows = await runtime.db.fetch("SELECT id, room_id FROM coupon_claims ORDER BY id")
    assert sorted((r["id"], r["room_id"]) for r in rows) == sorted(
        [(c, "r1") for c in claims[:3]] + [(claims[3], "r2")])
    released = await runtime.db.fetchval("SELECT released_at IS NOT NULL FROM coupon_redemptions WHERE claim_id = $1",
                                         claims[0])
    assert released is True


async def test_batches_whose_window_closed_leave_the_room_state_after_the_grace(runtime, svc, clock) -> None:  # type: ignore[no-untyped-def]
    grace_ms = runtime.settings.state_grace_s * 1000
    old = (await svc.create_batch("r1", spec(ends_at=M0 + 60_000), "host"))["id"]
    recent = (await svc.create_batch("r1", spec(ends_at=M0 + 60_000 + grace_ms), "host"))["id"]
    ended = (await svc.create_batch("r1", spec(), "host"))["id"]
    assert await svc.end_batch("r1", ended, "host")  # ended by the host: null at once
    assert {k for k in await runtime.bus.state("r1") if k.startswith("coupon:")} == {f"coupon:{old}",
                                                                                   f"coupon:{recent}"}
    clock.advance(60 + runtime.settings.state_grace_s - 0.001)
    fresh = (await svc.create_batch("r1", spec(starts_at=None, ends_at=None, duration_s=600), "host"))["id"]
    assert {k for k in await runtime.bus.state("r1") if k.startswith("coupon:")} == {
        f"coupon:{old}", f"coupon:{recent}", f"coupon:{fresh}"}  # one millisecond short of the grace
    clock.advance(0.001)
    newest = (await svc.create_batch("r1", spec(starts_at=None, ends_at=None, duration_s=600), "host"))["id"]
    assert {k for k in await runtime.bus.state("r1") if k.startswith("coupon:")} == {
        f"coupon:{recent}", f"coupon:{fresh}", f"coupon:{newest}"}
    assert {b["id"] for b in await svc.batches("r1")} == {old, recent, ended, fresh, newest}  # the API keeps them
