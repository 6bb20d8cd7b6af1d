"""Friends' help on real Redis and PostgreSQL: N distinct helps grant one coupon, a repeated help counts once,
self-help is refused, concurrent helps past the need grant once, and everything reaches PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from livecore.core.outcome import Refusal, RefusedError, accepted
from livecore.features.coupons.service import CouponBatchIn, CouponService, claims_persister
from livecore.features.share.help import HelpIn, HelpService, grant_key
from livecore.features.share.reconcile import reconcile
from livecore.features.share.worker import share_persister
from livecore.runtime import Runtime

ROOM = "r1"


async def campaign(srt: Runtime, helps: HelpService, need: int = 3) -> dict:  # type: ignore[type-arg]
    coupons = CouponService(srt)
    try:
        batch = await coupons.create_batch(ROOM, CouponBatchIn(kind="fixed", total=100, amount=500, duration_s=3600,
                                                               valid_for_s=86400, title="5 off"), "host")
    finally:
        await coupons.close()
    return await helps.set_campaign(ROOM, HelpIn(batch=batch["id"], need=need), "host")


async def test_n_distinct_helps_grant_one_coupon(srt: Runtime, helps: HelpService, db) -> None:  # type: ignore[no-untyped-def]
    c = await campaign(srt, helps, need=3)
    status = await helps.status(ROOM, "ann")
    assert (status["helps"], status["to_go"], status["unlocked"]) == (0, 3, False)
    assert status["link"] == f"/room/{ROOM}?help={status['code']}"
    code = status["code"]
    self_help = await helps.help(ROOM, "ann", code)
    assert isinstance(self_help, Refusal) and self_help.code == "self_help"
    one = await helps.help(ROOM, "f1", code)
    assert accepted(one) and (one["helps"], one["to_go"], one["replayed"]) == (1, 2, False)
    again = await helps.help(ROOM, "f1", code)
    assert accepted(again) and (again["helps"], again["replayed"]) == (1, True)
    assert accepted(await helps.help(ROOM, "f2", code))
    third = await helps.help(ROOM, "f3", code)
    assert accepted(third) and (third["helps"], third["to_go"], third["unlocked"]) == (3, 0, True)
    late = await helps.help(ROOM, "f4", code)
    assert isinstance(late, Refusal) and late.code == "already"
    held = await helps.coupons.held(ROOM, "ann")
    assert [h.batch for h in held] == [c["batch"]]
    # granting again (a retry, or the status call) claims nothing more
    assert accepted(await helps.grant(ROOM, c["id"], c["batch"], "ann"))
    after = await helps.status(ROOM, "ann")
    assert after["unlocked"] and after["claim"] == held[0].claim
    assert len(await helps.coupons.held(ROOM, "ann")) == 1
    await share_persister(srt, "p").drain()
    await claims_persister(srt, "p").drain()
    assert await db.fetchval("SELECT count(*) FROM share_helps WHERE asker_id = 'ann'") == 3
    assert await db.fetchval("SELECT count(*) FROM share_unlocks WHERE asker_id = 'ann'") == 1
    assert await db.fetchval("SELECT count(*) FROM coupon_claims WHERE user_id = 'ann' AND claim_key = $1",
                             grant_key(c["id"])) == 1
    checked = await reconcile(srt, ROOM)
    assert checked["ok"] and checked["redis"]["unlocks"] == checked["postgresql"]["unlocks"] == 1, checked


async def test_concurrent_helps_past_the_need_unlock_once(srt: Runtime, helps: HelpService) -> None:
    await campaign(srt, helps, need=4)
    code = (await helps.status(ROOM, "bob"))["code"]
    answers = await asyncio.gather(*(helps.help(ROOM, f"f{i}", code) for i in range(12)),
                                   *(helps.help(ROOM, "f0", code) for _ in range(5)))
    ok = [a for a in answers if accepted(a)]
    refused = [a for a in answers if isinstance(a, Refusal)]
    assert {a["helps"] for a in ok if not a["replayed"]} == {1, 2, 3, 4}
    assert {r.code for r in refused} <= {"already"}
    assert len(await helps.coupons.held(ROOM, "bob")) == 1
    assert (await helps.status(ROOM, "bob"))["helps"] == 4


async def test_a_help_code_from_elsewhere_and_a_missing_campaign_are_refused(srt: Runtime, helps: HelpService) -> None:
    none = await helps.help(ROOM, "f1", (await helps.share.make_code(ROOM, "ann", "link"))["code"])
    assert isinstance(none, Refusal) and none.code == "not_found"
    await campaign(srt, helps)
    other = (await helps.share.make_code("r2", "ann", "link"))["code"]
    bad = await helps.help(ROOM, "f1", other)
    assert isinstance(bad, Refusal) and bad.code == "bad_code"
    with pytest.raises(RefusedError):
        await helps.set_campaign(ROOM, HelpIn(batch="cb000000000000", need=2), "host")
