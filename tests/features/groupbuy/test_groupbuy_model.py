"""The pure parts of group-buy: what a host may ask for, group ids, the group view, and reconciliation's
comparison (no I/O)."""

from __future__ import annotations

import msgspec
import pytest

from livecore.features.groupbuy.model import DealIn, deal_of, group_view, new_group_id, problems, window
from livecore.features.groupbuy.reconcile import GroupFacts, StreamFacts, compare

NOW = 1_800_000_000_000


def test_deal_limits() -> None:
    for bad in ({"size": 1}, {"size": 11}, {"fill_s": 59}, {"fill_s": 86_401}, {"units": 0}):
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert({"product": "p", "price": 100, "units": 5, **bad}, DealIn)
    ok = DealIn(product="p", price=100, units=5, duration_s=60)
    assert problems(ok, NOW) == [] and window(ok, NOW) == (NOW, NOW + 60_000)
    assert problems(DealIn(product="p", price=100, units=5), NOW)  # no end
    assert problems(DealIn(product="p", price=100, units=5, ends_at=NOW), NOW)  # ended already
    assert problems(DealIn(product="p", price=100, units=2, per_user=3, duration_s=60), NOW)


def test_group_ids_name_their_deal() -> None:
    g = new_group_id("gd0123456789")
    assert deal_of(g) == "gd0123456789"
    for bad in ("gd0123456789", "gd0123456789-xyz", "x-12345678", "gd0123456789-1234567g"):
        assert deal_of(bad) is None


def test_group_view_counts_who_is_missing() -> None:
    h = {"id": "gd0123456789-0a0b0c0d", "deal": "gd0123456789", "leader": "u1", "size": "3", "n": "2",
         "deadline": str(NOW), "opened_at": str(NOW - 1), "status": "open", "price": "4900",
         "m1": "u1", "o1": "r.1", "k1": "k", "m2": "u2", "o2": "r.2", "k2": "k"}
    view = group_view(h, {"u1": "小爱"})
    assert view["need"] == 1 and view["members"] == [{"user": "u1", "name": "小爱"}, {"user": "u2", "name": "u2"}]
    assert group_view({**h, "status": "dissolved"}, {})["need"] == 0


def _counters(**kw: int) -> dict[str, int]:
    base = {"units": 10, "left": 5, "reserved": 1, "confirmed": 4, "released": 2, "opened": 4, "completed": 2,
            "dissolved": 1, "paid": 1, "lapsed": 0}
    return {**base, **kw}


def _healthy() -> tuple[dict[str, GroupFacts], StreamFacts, dict[str, str], dict[str, str]]:
    groups = {"g1": GroupFacts("complete", 2, NOW, {"o1": "a", "o2": "b"}, {"o1": "paid", "o2": "due"}, NOW + 10),
              "g2": GroupFacts("complete", 2, NOW, {"o3": "c", "o4": "d"}, {}, NOW + 10),
              "g3": GroupFacts("dissolved", 2, NOW, {"o5": "e", "o6": "f"}),
              "g4": GroupFacts("open", 2, NOW + 1, {"o7": "g"})}
    stream = StreamFacts(joins=[f"o{i}" for i in range(1, 8)],
                         settlements={"g1": ["complete"], "g2": ["complete"], "g3": ["dissolve"]},
                         ends={"o1": ["paid"]})
    pg_groups = {g: f.status for g, f in groups.items()}
    pg_members = {o: f.member_status(o) for f in groups.values() for o in f.members}
    assert pg_members["o1"] == "paid" and pg_members["o2"] == "confirmed" and pg_members["o5"] == "released"
    return groups, stream, pg_groups, pg_members


def test_compare_agrees_on_a_healthy_deal_and_names_each_difference() -> None:
    groups, stream, pg_groups, pg_members = _healthy()
    assert compare(counters=_counters(), held=5, groups=groups, stream=stream, pg_groups=pg_groups,
                   pg_members=pg_members, now_ms=NOW) == []
    stream.settlements["g1"].append("dissolve")
    pg_members["o5"] = "confirmed"
    del pg_members["o7"]
    groups["g2"] = GroupFacts("complete", 2, NOW, {"o3": "c", "o4": "d", "o8": "h"}, {}, NOW + 10)
    kinds = {d.kind: d.ids for d in compare(counters=_counters(left=4), held=5, groups=groups, stream=stream,
                                            pg_groups=pg_groups, pg_members=pg_members, now_ms=NOW + 5)}
    assert kinds["settled_twice"] == ["g1"]
    assert kinds["member_status"] == ["o5"]
    assert kinds["not_persisted"] == ["o7", "o8"]
    assert kinds["overfilled"] == ["g2"] and kinds["complete_not_full"] == ["g2"]
    assert kinds["missing_in_stream"] == ["o8"]
    assert kinds["overdue"] == ["g4"]
    assert "units" in kinds and "confirmed_vs_groups" in kinds
    assert "pay_overdue" not in kinds  # the payment windows are still open at NOW + 5


def test_compare_names_each_payment_difference() -> None:
    groups, stream, pg_groups, pg_members = _healthy()
    stream.ends["o1"].append("lapse")  # paid and lapsed both
    stream.ends["o9"] = ["paid"]  # an order no group knows: not a payment difference of this deal's members
    groups["g2"] = GroupFacts("complete", 2, NOW, {"o3": "c", "o4": "d"}, {"o3": "lapsed"}, NOW + 10)
    pg_members["o2"] = "paid"  # PostgreSQL ahead of Redis
    kinds = {d.kind: d.ids for d in compare(counters=_counters(paid=2), held=5, groups=groups, stream=stream,
                                            pg_groups=pg_groups, pg_members=pg_members, now_ms=NOW + 10)}
    assert kinds["ended_twice"] == ["o1"]
    assert kinds["payment_not_in_stream"] == ["o3"]
    assert kinds["member_status"] == ["o2", "o3"]
    assert kinds["pay_overdue"] == ["g1", "g2"]  # unpaid members past pay_by
    assert {"confirmed_vs_groups", "paid_vs_groups", "lapsed_vs_groups"} <= set(kinds)
