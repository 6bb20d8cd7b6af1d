"""Visits through share codes on real Redis: self-referral and loops refused, first touch wins, the window's edges
to the millisecond (manual clock), and the funnel the console reads."""

from __future__ import annotations

from sharehelp import WINDOW_S

from livecore.clock import ManualClock
from livecore.core.outcome import Refusal, accepted
from livecore.features.share.service import ShareService

ROOM = "r1"


async def code(share: ShareService, user: str, channel: str = "wechat", group: str | None = None) -> str:
    made = await share.make_code(ROOM, user, channel, group)
    assert made["link"] == f"/room/{ROOM}?share={made['code']}" + (f"&group={group}" if group else "")
    return str(made["code"])


async def test_self_referral_is_refused_and_writes_nothing(share: ShareService) -> None:
    ann = await code(share, "ann")
    refused = await share.visit(ROOM, "ann", ann)
    assert isinstance(refused, Refusal) and refused.code == "self_referral"
    assert await share.referrer(ROOM, "ann") is None
    assert (await share.funnel(ROOM))["total"]["visits"] == 0


async def test_a_loop_a_b_a_and_a_longer_one_are_refused(share: ShareService) -> None:
    ann, bob, cat = await code(share, "ann"), await code(share, "bob"), await code(share, "cat")
    assert accepted(await share.visit(ROOM, "bob", ann))  # ann -> bob
    loop = await share.visit(ROOM, "ann", bob)  # bob -> ann would close the loop
    assert isinstance(loop, Refusal) and loop.code == "referral_loop"
    assert accepted(await share.visit(ROOM, "cat", bob))  # ann -> bob -> cat
    longer = await share.visit(ROOM, "ann", cat)
    assert isinstance(longer, Refusal) and longer.code == "referral_loop"
    assert await share.referrer(ROOM, "ann") is None
    # a stranger through cat is fine
    assert accepted(await share.visit(ROOM, "dan", cat))
    assert (await share.referrer(ROOM, "dan"))["referrer"] == "cat"  # type: ignore[index]


async def test_a_tampered_or_foreign_code_is_refused(share: ShareService) -> None:
    ann = await code(share, "ann")
    bad = ann[:-1] + ("a" if ann[-1] != "a" else "b")
    for c, room in ((bad, ROOM), (ann, "r2")):
        refused = await share.visit(room, "bob", c)
        assert isinstance(refused, Refusal) and refused.code == "bad_code"
    group = await code(share, "ann", group="g1")
    assert accepted(await share.visit(ROOM, "bob", group, group="g1"))
    wrong = await share.visit(ROOM, "cat", group, group="g2")
    assert isinstance(wrong, Refusal) and wrong.code == "bad_code"


async def test_first_touch_wins_and_a_reload_counts_once(share: ShareService, clock: ManualClock) -> None:
    ann, bob = await code(share, "ann", "wechat"), await code(share, "bob", "qq")
    first = await share.visit(ROOM, "cat", ann)
    assert accepted(first) and first["outcome"] == "new" and first["counted"]
    clock.advance(10)
    again = await share.visit(ROOM, "cat", ann)
    assert accepted(again) and again["outcome"] == "kept" and not again["counted"]
    second = await share.visit(ROOM, "cat", bob)
    assert accepted(second) and second["outcome"] == "kept" and second["referrer"] == "ann"
    assert second["channel"] == "wechat" and second["counted"]  # bob's link was opened: a visit, not a referral
    f = await share.funnel(ROOM)
    by = {c["channel"]: c for c in f["channels"]}
    assert (by["wechat"]["visits"], by["wechat"]["new"], by["qq"]["visits"], by["qq"]["new"]) == (1, 1, 1, 0)
    assert (by["wechat"]["codes"], by["qq"]["codes"]) == (1, 1)
    assert f["sharers"] == 2 and f["fission"] == 0.5
    assert [(r["user"], r["new"]) for r in f["top"]] == [("ann", 1)]


async def test_the_window_edges_to_the_millisecond(share: ShareService, clock: ManualClock) -> None:
    ann, bob = await code(share, "ann"), await code(share, "bob")
    assert accepted(await share.visit(ROOM, "cat", ann))
    clock.advance(WINDOW_S - 0.001)  # the last millisecond of ann's touch
    held = await share.visit(ROOM, "cat", bob)
    assert accepted(held) and held["outcome"] == "kept" and held["referrer"] == "ann"
    assert (await share.referrer(ROOM, "cat"))["referrer"] == "ann"  # type: ignore[index]
    clock.advance(0.001)  # exactly touch + window: ann's touch has lapsed
    assert await share.referrer(ROOM, "cat") is None
    moved = await share.visit(ROOM, "cat", bob)
    assert accepted(moved) and moved["outcome"] == "new" and moved["referrer"] == "bob"


async def test_a_lapsed_referral_no_longer_makes_a_loop(share: ShareService, clock: ManualClock) -> None:
    ann, bob = await code(share, "ann"), await code(share, "bob")
    assert accepted(await share.visit(ROOM, "bob", ann))
    clock.advance(WINDOW_S)
    assert accepted(await share.visit(ROOM, "ann", bob))


async def test_a_group_join_through_a_code_counts_as_a_join(share: ShareService) -> None:
    ann = await code(share, "ann", "poster", group="g9")
    joined = await share.visit(ROOM, "bob", ann, group="g9", via="join")
    assert accepted(joined) and joined["outcome"] == "new"
    poster = next(c for c in (await share.funnel(ROOM))["channels"] if c["channel"] == "poster")
    assert (poster["joins"], poster["visits"], poster["new"]) == (1, 0, 1)
    assert (await share.referrer(ROOM, "bob"))["group"] == "g9"  # type: ignore[index]
