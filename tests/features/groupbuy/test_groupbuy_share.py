"""Joining a group through a share code (拼团 + 分享裂变) on real Redis: the join is attributed to the code's sharer
and counted once in the funnel's joins; a retried join counts nothing more; a self-referral, a loop or a bad code
never refuse the join itself, they only record nothing."""

from __future__ import annotations

from typing import Any

import pytest
from gbhelp import ROOM, ok

from livecore.core.outcome import Refusal
from livecore.features.groupbuy.service import GroupBuyService
from livecore.features.share.service import ShareService
from livecore.protocol.codes import ErrorCode
from livecore.runtime import Runtime


@pytest.fixture
def share(grt: Runtime) -> ShareService:
    return ShareService(grt)


async def funnel(share: ShareService, channel: str = "wechat") -> dict[str, Any]:
    rows = (await share.funnel(ROOM))["channels"]
    return {k: v for k, v in next(r for r in rows if r["channel"] == channel).items() if k != "channel"}


async def test_a_join_through_a_group_code_is_attributed_and_counted_once(gb: GroupBuyService, share: ShareService,  # type: ignore[no-untyped-def]
                                                                          make_deal) -> None:
    deal = (await make_deal(units=10, size=3))["id"]
    group = ok(await gb.open(ROOM, "ann", deal, "k"))["group"]
    code = (await share.make_code(ROOM, "ann", "wechat", group))["code"]
    joined = ok(await gb.join(ROOM, "bob", group, "k", share=code))
    assert (joined["status"], joined["share"]) == ("open", "new")
    assert (await share.referrer(ROOM, "bob") or {})["referrer"] == "ann"
    again = ok(await gb.join(ROOM, "bob", group, "k", share=code))  # the same key: the first answer, nothing new
    assert again["replayed"] and "share" not in again
    steps = await funnel(share)
    assert (steps["visits"], steps["joins"], steps["new"]) == (1, 1, 1)
    # a room code attributes a join to any group of the room
    room_code = (await share.make_code(ROOM, "cy", "qq"))["code"]
    done = ok(await gb.join(ROOM, "dee", group, "k", share=room_code))
    assert (done["status"], done["share"]) == ("complete", "new")
    assert (await share.referrer(ROOM, "dee") or {})["referrer"] == "cy"
    assert (await funnel(share, "qq"))["joins"] == 1


async def test_refused_attributions_never_refuse_the_join(gb: GroupBuyService, share: ShareService,  # type: ignore[no-untyped-def]
                                                         make_deal) -> None:
    deal = (await make_deal(units=20, size=2, per_user=2))["id"]
    # self-referral: eve joins through her own room link
    own = (await share.make_code(ROOM, "eve", "link"))["code"]
    g1 = ok(await gb.open(ROOM, "fay", deal, "k"))["group"]
    mine = ok(await gb.join(ROOM, "eve", g1, "k", share=own))
    assert (mine["status"], mine["share"]) == ("complete", "self_referral")
    assert await share.referrer(ROOM, "eve") is None
    # a loop: gus brought hal, and gus then joins through hal's group link
    assert isinstance(await share.visit(ROOM, "hal", (await share.make_code(ROOM, "gus", "link"))["code"]), dict)
    g2 = ok(await gb.open(ROOM, "hal", deal, "k"))["group"]
    hal = (await share.make_code(ROOM, "hal", "link", g2))["code"]
    loop = ok(await gb.join(ROOM, "gus", g2, "k", share=hal))
    assert (loop["status"], loop["share"]) == ("complete", "referral_loop")
    assert await share.referrer(ROOM, "gus") is None
    # a code made for another group (or changed) attributes nothing
    g3 = ok(await gb.open(ROOM, "ivy", deal, "k"))["group"]
    other = ok(await gb.join(ROOM, "jon", g3, "k", share=hal))
    assert (other["status"], other["share"]) == ("complete", "bad_code")
    steps = await funnel(share, "link")
    assert (steps["joins"], steps["new"]) == (0, 1)  # only hal, brought by gus's room link


async def test_a_refused_join_through_a_code_is_a_visit_not_a_join(gb: GroupBuyService, share: ShareService,  # type: ignore[no-untyped-def]
                                                                  make_deal) -> None:
    deal = (await make_deal(units=10, size=2))["id"]
    group = ok(await gb.open(ROOM, "kim", deal, "k"))["group"]
    code = (await share.make_code(ROOM, "kim", "wechat", group))["code"]
    ok(await gb.join(ROOM, "lea", group, "k"))  # the group fills without a code
    late = await gb.join(ROOM, "max", group, "k", share=code)
    assert isinstance(late, Refusal) and late.code is ErrorCode.GROUP_CLOSED
    steps = await funnel(share)
    assert (steps["visits"], steps["joins"], steps["new"]) == (1, 0, 1)  # max came through kim's link
    assert (await share.referrer(ROOM, "max") or {})["referrer"] == "kim"
