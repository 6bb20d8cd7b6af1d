"""ranking_apply.lua against the reference model: exact scores, exactly-once, hourly reset, funnel, metrics."""

from __future__ import annotations

import pytest
from rankhelp import H_MS, T0, blobs, dump, ix, register

from livecore.core import hotrank, hourly
from livecore.core.hotrank import Event, HotConfig, HotModel
from livecore.ranking.aggregator import Aggregator
from livecore.ranking.names import RankKeys
from livecore.ranking.store import RankingStore

SCRIPTED = [
    ix("a1", "enter", "A", "u1", T0),
    ix("a2", "like", "A", "u1", T0 + H_MS + 30_000, count=5),
    ix("a3", "like", "A", "u1", T0 + H_MS + 10_000),
    ix("a4", "chat", "A", "u2", T0 + 2 * H_MS, text="口红链接"),
    ix("b1", "gift", "B", "u3", T0, value=1000),
    ix("b2", "gift", "B", "u3", T0 + H_MS, value=2000),
    ix("b3", "share", "B", "u4", T0 + H_MS),
    ix("b4", "share", "B", "u4", T0 + H_MS - 50_000),
    ix("c1", "enter", "C", "u5", T0 + 2 * H_MS),
]


def parts(rt):  # type: ignore[no-untyped-def]
    names = RankKeys(rt.keys)
    cfg = HotConfig(half_life_s=600.0)
    return Aggregator(rt.redis, names, rt.scripts, cfg), RankingStore(rt.redis, rt.keys, 600.0), cfg


@pytest.fixture(autouse=True)
async def known_rooms(rrt) -> None:  # type: ignore[no-untyped-def]
    await register(rrt, "A", "B", "C", "D", "R")  # created rooms; others stay out of the platform rankings


async def test_rooms_nobody_created_stay_out_of_the_platform_rankings(rrt) -> None:  # type: ignore[no-untyped-def]
    agg, store, _ = parts(rrt)
    hour = hourly.hour_of(T0)
    fake = [ix(f"f{i}", "gift", f"made-up-{i}", "u", T0, value=10_000) for i in range(30)]
    res = await agg.apply_and_publish(blobs([ix("a", "enter", "A", "u1", T0), *fake]), {}, T0)
    assert res["made-up-0"].score > res["A"].score > 0  # the made-up rooms' own figures are counted
    assert [r["room"] for r in await store.hot_top(10, T0)] == ["A"]
    assert await store.hourly_top(hour, 10) == []  # A had no gift; no made-up room is listed
    rank = await store.room_rank("made-up-0", T0)
    assert rank["hot"]["position"] is None


async def test_scripted_sequence_gives_exact_scores_and_order(rrt) -> None:  # type: ignore[no-untyped-def]
    agg, store, cfg = parts(rrt)
    res = await agg.apply_and_publish(blobs(SCRIPTED), {}, T0)
    a_score = 1 + 0.2 * 2 ** 1.05 + 4  # enter at T0, u1 liking at T0 + 1.05 H, a chat at T0 + 2 H
    assert res["A"].score == pytest.approx(a_score, rel=1e-15) and res["A"].landmark == T0
    assert res["B"].score == pytest.approx(11.0, rel=1e-15)
    assert res["C"].score == pytest.approx(4.0, rel=1e-15)
    top = await store.hot_top(10, T0 + 2 * H_MS)
    assert [r["room"] for r in top] == ["B", "A", "C"]
    assert [r["hot"] for r in top] == [2.75, round(a_score / 4, 4), 1.0]
    model = HotModel(cfg)
    model.apply_all(Event(i.id, i.kind, i.room, i.user, i.ts, i.count, i.value) for i in SCRIPTED)
    landmark, live = await store.hot_scores()
    assert landmark == T0
    assert live == pytest.approx(model.scores(T0), rel=1e-15)
    rank = await store.room_rank("A", T0 + 2 * H_MS)
    assert rank["hot"] == {"position": 2, "of": 3, "value": round(a_score / 4, 4)}


async def test_landmark_moves_in_lua_and_in_the_platform_ranking(rrt) -> None:  # type: ignore[no-untyped-def]
    agg, store, cfg = parts(rrt)
    step = cfg.landmark_step_ms
    await agg.apply_and_publish(blobs([ix("1", "enter", "A", "u1", T0 + step - H_MS),
                                       ix("2", "gift", "B", "u1", T0, value=10_000_000),
                                       ix("3", "enter", "D", "u1", T0)]), {}, T0)
    res = await agg.apply_and_publish(blobs([ix("4", "enter", "A", "u2", T0 + step)]), {}, T0)
    assert res["A"].landmark == T0 + step and res["A"].score == pytest.approx(1.5, rel=1e-15)
    landmark, live = await store.hot_scores()
    assert landmark == T0 + step
    assert live["A"] == pytest.approx(1.5, rel=1e-15)
    assert live["B"] == pytest.approx(10_000 * 2.0 ** -32, rel=1e-12)  # rescaled with the ranking's landmark
    assert "D" not in live  # decayed to nothing: dropped from the ranking


async def test_a_redelivered_event_changes_nothing(rrt, prefix) -> None:  # type: ignore[no-untyped-def]
    agg, _store, _ = parts(rrt)
    batch = blobs([*SCRIPTED, ix("p1", "paid", "A", "u1", T0 + 5, value=990, product="sku1", count=2),
                   ix("o1", "order", "A", "u1", T0 + 4, value=990)])
    first = await agg.apply_and_publish(batch, {}, T0)
    before = await dump(rrt.redis, prefix)
    again = await agg.apply_and_publish(batch, {}, T0)  # the whole batch delivered twice
    single = await agg.apply_and_publish({"A": batch["A"][1:2]}, {}, T0)  # and one event a third time
    assert await dump(rrt.redis, prefix) == before
    assert again["A"].applied == 0 and again["A"].duplicates == len(batch["A"])
    assert single["A"].duplicates == 1
    assert again["A"].score == first["A"].score and again["B"].hours == first["B"].hours


async def test_malformed_entries_are_counted_and_skipped(rrt) -> None:  # type: ignore[no-untyped-def]
    agg, _, _ = parts(rrt)
    res = await agg.apply({"A": [b"\xc1garbage", b"", blobs([ix("ok", "share", "A", "u", T0)])["A"][0]]}, T0)
    assert (res["A"].applied, res["A"].malformed) == (1, 2)


async def test_hourly_ranking_resets_on_the_hour(rrt) -> None:  # type: ignore[no-untyped-def]
    agg, store, _ = parts(rrt)
    top = (T0 // hourly.HOUR_MS + 5) * hourly.HOUR_MS  # an hour boundary
    before, after = hourly.hour_of(top - 1), hourly.hour_of(top)
    await agg.apply_and_publish(blobs([ix("g1", "gift", "A", "u1", top - 1, value=300),
                                       ix("g2", "gift", "B", "u2", top - 1, value=100),
                                       ix("g3", "gift", "B", "u2", top, value=50),
                                       ix("g4", "gift", "B", "u2", top + 10, value=25)]), {}, top)
    assert await store.hourly_top(before, 10) == [{"position": 1, "room": "A", "value": 300},
                                                  {"position": 2, "room": "B", "value": 100}]
    assert await store.hourly_top(after, 10) == [{"position": 1, "room": "B", "value": 75}]
    ttl = await rrt.redis.ttl(RankKeys(rrt.keys).hourly(before))
    assert 86_400 < ttl <= hourly.KEEP_S  # the previous hour stays readable for a day
    rank = await store.room_rank("A", top + 1000)
    assert rank["hourly"]["position"] is None and rank["hourly"]["value"] == 0


async def test_funnel_counts_ratios_and_watch_time(rrt) -> None:  # type: ignore[no-untyped-def]
    agg, store, _ = parts(rrt)
    t = T0 + 7 * 60_000
    items = [ix(f"e{i}", "enter", "R", f"u{i}", t) for i in range(10)]
    items += [ix(f"l{i}", "leave", "R", f"u{i}", t + 61_000 + i * 1000) for i in range(4)]  # watched, then left
    items += [ix("l9", "leave", "R", "u9", t + 5_000)]  # left after 5 s: not watched
    items += [ix(f"c{i}", "chat", "R", f"u{i}", t + 70_000, text="好看") for i in (4, 5)]  # chatting after 70 s
    items += [ix(f"k{i}", "click", "R", f"u{i}", t + 20_000, product="p1") for i in (0, 1, 2, 6)]
    items += [ix(f"o{i}", "order", "R", f"u{i}", t + 30_000, value=1000, product="p1") for i in (0, 1)]
    items += [ix("p0", "paid", "R", "u0", t + 40_000, value=1000, product="p1", count=1)]
    await agg.apply_and_publish(blobs(items), {}, t)
    names = RankKeys(rrt.keys)
    # the four who left after 61 s, and u6 who clicked (a click passes the steps before it)
    assert (await store.metrics("R", t + 90_000, "-"))["funnel"][1]["users"] == 5
    # viewers still in the room are counted by the sweep the snapshot worker runs every minute
    added = await rrt.scripts.call("ranking_watch_sweep", keys=[names.inside("R"), names.funnel("R", "-", "watch"),
                                                                names.funnel("R", "-", "enter")],
                                   args=[t + 90_000, 60_000, 3600])
    assert added == 4  # u4, u5, u7, u8
    m = await store.metrics("R", t + 90_000, "-")
    assert [s["users"] for s in m["funnel"]] == [10, 9, 4, 2, 1]
    assert [s["ratio"] for s in m["funnel"]] == [None, 0.9, 0.4444, 0.5, 0.5]
    assert [s["overall"] for s in m["funnel"]] == [1.0, 0.9, 0.4, 0.2, 0.1]
    # watch time from the five enter/leave pairs: 61, 62, 63, 64 and 5 seconds
    assert m["avg_watch_s"] == pytest.approx((61 + 62 + 63 + 64 + 5) / 5, abs=0.05)
    assert (m["enters"], m["leaves"], m["orders"], m["order_value"], m["paid"], m["gmv"]) == (10, 5, 2, 2000, 1, 1000)
    assert await store.products("R", "-") == {"by_gmv": [{"position": 1, "product": "p1", "gmv": 1000}],
                                              "by_units": [{"position": 1, "product": "p1", "units": 1}]}


async def test_a_leave_seen_before_its_enter_still_pairs(rrt) -> None:  # type: ignore[no-untyped-def]
    agg, store, _ = parts(rrt)
    await agg.apply_and_publish(blobs([ix("l", "leave", "R", "u", T0 + 90_000)]), {}, T0)
    await agg.apply_and_publish(blobs([ix("e", "enter", "R", "u", T0)]), {}, T0)
    m = await store.metrics("R", T0 + 100_000, "-")
    assert m["avg_watch_s"] == 90.0 and m["funnel"][1]["users"] == 1


async def test_likes_capped_and_contributors_ranked(rrt) -> None:  # type: ignore[no-untyped-def]
    rt = rrt
    names = RankKeys(rt.keys)
    agg = Aggregator(rt.redis, names, rt.scripts, HotConfig(half_life_s=600.0, like_cap_per_minute=10))
    store = RankingStore(rt.redis, rt.keys, 600.0)
    m0 = T0 + 60_000
    items = [ix(f"x{i}", "like", "R", "farmer", m0 + i, count=4) for i in range(10)]  # 40 likes in a minute
    items += [ix("y", "like", "R", "fan", m0, count=3)]
    items += [ix("g1", "gift", "R", "whale", m0, value=50_000), ix("g2", "gift", "R", "fan", m0, value=100),
              ix("g3", "gift", "R", "fan", m0 + 1, value=200)]
    await agg.apply_and_publish(blobs(items), {}, m0, sessions={"R": "s1"})
    m = await store.metrics("R", m0 + 1000, "s1")
    assert m["likes"] == 10 + 3
    assert await store.contributors("R", "s1") == [{"position": 1, "user": "whale", "value": 50_000, "name": "whale"},
                                                   {"position": 2, "user": "fan", "value": 300, "name": "fan"}]
    model = HotModel(HotConfig(half_life_s=600.0, like_cap_per_minute=10))
    model.apply_all(Event(i.id, i.kind, i.room, i.user, i.ts, i.count, i.value) for i in items)
    assert (await store.hot_scores())[1]["R"] == pytest.approx(model.scores()["R"], rel=1e-12)


async def test_metrics_compare_the_last_ten_minutes_with_the_ten_before(rrt) -> None:  # type: ignore[no-untyped-def]
    agg, store, _ = parts(rrt)
    now = T0 + 30 * 60_000
    items = [ix(f"old{i}", "share", "R", f"u{i}", now - 15 * 60_000) for i in range(4)]
    items += [ix(f"new{i}", "share", "R", f"v{i}", now - 3 * 60_000) for i in range(6)]
    await agg.apply_and_publish(blobs(items), {}, now)
    m = await store.metrics("R", now, "-")
    assert m["shares"] == 10
    assert m["change"]["shares"] == {"last": 6, "previous": 4, "delta": 2, "pct": 50.0, "trend": "up"}
    assert hotrank.value_at(1.0, 0, 0, 1.0) == 1.0
