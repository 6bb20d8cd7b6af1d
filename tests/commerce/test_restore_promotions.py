"""A coupon batch lost by an empty Redis: claims answer ``unavailable`` until ``livecore restore`` brings it
back from PostgreSQL, and then every promise holds: a retried key gets its claim, per-user limits and the
remaining count are as persisted, a redeemed coupon cannot be applied to another order. An open lottery comes
back with its recorded seed."""

from __future__ import annotations

import contextlib

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from livecore.clock import ManualClock
from livecore.commerce.restore import restore
from livecore.core.outcome import RefusedError, accepted
from livecore.features.coupons.service import CouponBatchIn, CouponService, claims_persister
from livecore.features.lottery.service import LotteryIn, LotteryService
from livecore.runtime import open_runtime

T0 = 1_700_000_000.0
M0 = int(T0 * 1000)


async def test_a_restored_coupon_batch_keeps_claims_limits_and_redemptions(  # type: ignore[no-untyped-def]
        settings, migrated, redis_server) -> None:
    cfg = settings.with_(redis_url=redis_server.url, redis_cluster=False)
    async with open_runtime(cfg, clock=ManualClock(T0)) as rt:
        svc = CouponService(rt)
        spec = CouponBatchIn(kind="fixed", amount=500, total=10, per_user=2, starts_at=M0, ends_at=M0 + 600_000,
                             valid_for_s=3600)  # type: ignore[call-arg]
        batch = (await svc.create_batch("r1", spec, actor="host"))["id"]
        first = await svc.claim("r1", "u1", batch, "k1")
        await svc.claim("r1", "u2", batch, "k1")
        await svc.claim("r1", "u1", batch, "k2")
        assert await svc.redeem("u1", first["claim"], "r1.order0000001", 5000) == 500
        assert await claims_persister(rt, "w").drain() == 4
        redis_server.restart()  # back empty
        with contextlib.suppress(RedisConnectionError):  # the first call meets the old, closed connection
            await rt.redis.ping()
        lost = await svc.claim("r1", "u3", batch, "k1")
        assert lost.code == "unavailable"  # PostgreSQL holds the batch: retry, never "not_found"
        report = await restore(rt)
        assert [(b.batch, b.restored, b.claims, b.remaining, b.redeemed) for b in report.of("coupons")] == [
            (batch, True, 3, 7, 1)]
        again = await svc.claim("r1", "u1", batch, "k1")
        assert accepted(again) and again["replayed"] and again["claim"] == first["claim"]
        assert (await svc.claim("r1", "u1", batch, "k3")).code == "limit_reached"
        new = await svc.claim("r1", "u3", batch, "k1")
        assert accepted(new) and new["remaining"] == 6 and new["claim"] not in {first["claim"]}
        assert await svc.redeem("u1", first["claim"], "r1.order0000001", 5000) == 500  # the same payment, retried
        with pytest.raises(RefusedError) as used:
            await svc.redeem("u1", first["claim"], "r1.order0000002", 5000)
        assert used.value.code == "already_used"
        await svc.close()


async def test_an_open_lottery_lost_by_an_empty_redis_is_reopened_with_its_seed(  # type: ignore[no-untyped-def]
        settings, migrated, redis_server) -> None:
    cfg = settings.with_(redis_url=redis_server.url, redis_cluster=False)
    async with open_runtime(cfg, clock=ManualClock(T0)) as rt:
        svc = LotteryService(rt)
        opened = await svc.open("r1", LotteryIn(prize="bag", condition="watch", watch_s=1, duration_s=600), "host")
        lid = opened["id"]
        assert accepted(await svc.enter("r1", "u1", lid, 10))
        redis_server.restart()
        with contextlib.suppress(RedisConnectionError):
            await rt.redis.ping()
        assert (await svc.enter("r1", "u2", lid, 10)).code == "unavailable"  # not "not_found"
        report = await restore(rt)
        assert [(lt.lottery, lt.restored) for lt in report.of("lottery")] == [(lid, True)]
        h = await rt.redis.hgetall(rt.keys.room("r1", "lottery", lid))
        assert h[b"seed_hash"].decode() == opened["seed_hash"]  # the published commitment still holds
        assert accepted(await svc.enter("r1", "u2", lid, 10))
        drawn = await svc.draw("r1", lid, "host")
        assert drawn["winners"] == ["u2"], drawn  # drawn from the entries made after the restore
        await svc.close()
