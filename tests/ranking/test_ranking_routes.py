"""The ranking API and the post-live report, in-process against real Redis and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from rankhelp import ix, register
from redis.asyncio import Redis

from livecore.api.app import build_app
from livecore.auth import issue
from livecore.config import Settings
from livecore.core import hourly
from livecore.core.keywords import KeywordExtractor
from livecore.interactions.log import InteractionLog
from livecore.interactions.model import Interaction
from livecore.people import PeopleStore
from livecore.workers.ranking import RankingWorker
from livecore.workers.snapshots import SnapshotWorker

MIN = 60_000


@pytest.fixture
async def client(settings: Settings, migrated: str, redis: Redis) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(settings, modules=["livecore.api.ranking_routes"])
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as c):
        yield c


def host(settings: Settings, room: str = "A") -> dict[str, str]:
    return {"authorization": "Bearer " + issue(settings.secret, "h-" + room, role="host", room=room)}


async def feed(runtime, items: list[Interaction]) -> RankingWorker:  # type: ignore[no-untyped-def]
    await register(runtime, *{it.room for it in items})
    log = InteractionLog(runtime.redis, runtime.keys)
    for it in items:
        log.emit(it)
    while log.pending:
        await log.flush()
    w = RankingWorker(runtime, "api-test", keywords=KeywordExtractor())
    await w.discover()
    while await w.step(block_ms=0):
        pass
    return w


async def test_rankings_rank_contributors_products_keywords(client, runtime, settings) -> None:  # type: ignore[no-untyped-def]
    now = int(time.time() * 1000)
    w = await feed(runtime, [
        ix("1", "gift", "A", "whale", now, value=9900), ix("2", "gift", "A", "fan", now, value=100),
        ix("3", "enter", "B", "u1", now), ix("4", "enter", "B", "u2", now),
        ix("5", "paid", "A", "fan", now, value=1990, product="lipstick", count=1),
        ix("6", "paid", "A", "u3", now, value=3980, product="lipstick", count=2),
        ix("7", "paid", "A", "u4", now, value=4990, product="serum", count=1),
        ix("8", "chat", "A", "u5", now, text="口红链接在哪里"), ix("9", "chat", "A", "u6", now, text="求口红链接"),
    ])
    await w.refresh_keywords()
    r = await client.get("/api/rankings/hot", params={"n": 5})
    assert r.status_code == 200
    assert [row["room"] for row in r.json()["rooms"]] == ["A", "B"]
    r = await client.get("/api/rankings/hourly")
    assert r.json()["hour"] == hourly.hour_of(now)
    assert r.json()["rooms"] == [{"position": 1, "room": "A", "value": 10_000}]
    iso = datetime.fromtimestamp(now / 1000, UTC).isoformat()
    assert (await client.get("/api/rankings/hourly", params={"hour": iso})).json()["rooms"][0]["room"] == "A"
    assert (await client.get("/api/rankings/hourly", params={"hour": "soon"})).status_code == 400
    assert (await client.get("/api/rankings/hot", params={"n": 0})).status_code == 400
    rank = (await client.get("/api/rooms/B/rank")).json()
    assert rank["hot"]["position"] == 2 and rank["hourly"]["position"] is None
    await PeopleStore(runtime.redis, runtime.keys).remember("whale", "大鲸鱼")
    r = await client.get("/api/rooms/A/contributors", params={"n": 1})
    assert r.json()["contributors"] == [{"position": 1, "user": "whale", "value": 9900, "name": "大鲸鱼"}]
    r = await client.get("/api/rooms/A/products/ranking")
    assert [(p["product"], p["gmv"]) for p in r.json()["by_gmv"]] == [("lipstick", 5970), ("serum", 4990)]
    assert [(p["product"], p["units"]) for p in r.json()["by_units"]] == [("lipstick", 3), ("serum", 1)]
    kw = (await client.get("/api/rooms/A/keywords")).json()
    assert [(k["word"], k["count"]) for k in kw["keywords"]] == [("口红", 2), ("链接", 2)]
    # not refreshed by a worker yet: computed on request from the barrage window
    await runtime.redis.delete(w.names.keywords("A"))
    kw = (await client.get("/api/rooms/A/keywords")).json()
    assert kw["keywords"][0]["word"] == "口红" and kw["texts"] == 2


async def test_metrics_are_for_the_host_only(client, runtime, settings) -> None:  # type: ignore[no-untyped-def]
    now = int(time.time() * 1000)
    await feed(runtime, [ix("1", "like", "A", "u1", now, count=7), ix("2", "enter", "A", "u1", now)])
    assert (await client.get("/api/rooms/A/metrics")).status_code == 401
    viewer = {"authorization": "Bearer " + issue(settings.secret, "v", role="viewer")}
    assert (await client.get("/api/rooms/A/metrics", headers=viewer)).status_code == 403
    assert (await client.get("/api/rooms/A/metrics", headers=host(settings, "B"))).status_code == 403
    m = (await client.get("/api/rooms/A/metrics", headers=host(settings))).json()
    assert (m["likes"], m["enters"], m["funnel"][0]["users"]) == (7, 1, 1)
    assert m["change"]["likes"]["last"] == 7


async def test_report_returns_curves_and_a_png(client, runtime, settings, db) -> None:  # type: ignore[no-untyped-def]
    now = int(time.time() * 1000)
    start_min = now // MIN - 6
    start = start_min * MIN
    await db.execute("INSERT INTO hosts (id, name) VALUES ('h-A', 'Host')")
    await db.execute("INSERT INTO rooms (id, host_id, title) VALUES ('A', 'h-A', 'room A')")
    await db.execute("INSERT INTO live_sessions (id, room_id, title, started_at, ended_at) VALUES "
                     "('s1', 'A', 'spring', $1, $2)", datetime.fromtimestamp(start / 1000, UTC),
                     datetime.fromtimestamp((start + 5 * MIN) / 1000, UTC))
    await runtime.bus.set_state("A", {"live": True, "session": "s1"})
    items: list[Interaction] = []
    for m in range(5):  # minute m: m+1 orders paid, 10*(m+1) likes
        t = start + m * MIN + 1000
        items += [ix(f"l{m}-{i}", "like", "A", f"u{i}", t, count=m + 1) for i in range(10)]
        items += [ix(f"p{m}-{i}", "paid", "A", f"b{m}{i}", t, value=1000, product="p1") for i in range(m + 1)]
        items += [ix(f"o{m}-{i}", "order", "A", f"b{m}{i}", t, value=1000, product="p1") for i in range(m + 1)]
        items += [ix(f"e{m}", "enter", "A", f"v{m}", t), ix(f"c{m}", "chat", "A", f"v{m}", t, text="口红好看")]
    items += [ix("g", "gift", "A", "whale", start + 1000, value=5200)]
    await feed(runtime, items)
    live = now + 60_000  # gateways write "<count>:<expires_ms>"; an expired node no longer counts
    await runtime.redis.hset(runtime.keys.room_presence("A"),
                             mapping={"node1": f"30:{live}", "node2": f"12:{live}", "dead": f"99:{now - 1}"})
    snap = SnapshotWorker(runtime, keywords=KeywordExtractor(), backfill_minutes=10)
    assert await snap.snapshot(now) >= 5
    rows = await db.fetch("SELECT * FROM analytics_minutes WHERE room_id = 'A' ORDER BY minute")
    assert [r["likes"] for r in rows[:5]] == [10, 20, 30, 40, 50]
    assert await snap.snapshot(now) == len(rows)  # idempotent: the same rows again
    assert snap.figures() == {"rows_written": 2 * len(rows), "failed": 0}  # upserts, counted each time

    assert (await client.get("/api/rooms/A/sessions/s1/report")).status_code == 401
    r = await client.get("/api/rooms/A/sessions/s1/report", headers=host(settings))
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["session"]["id"] == "s1" and rep["session"]["live"] is False
    curves = rep["curves"]
    assert len(curves["minutes"]) == 6  # start .. end inclusive
    assert curves["likes"][:5] == [10, 20, 30, 40, 50]
    assert curves["orders"][:5] == [1, 2, 3, 4, 5]
    assert curves["gmv"][:5] == [1000, 2000, 3000, 4000, 5000]
    assert curves["online"][5] == 42  # sampled when the last minute of the session ended
    # all five viewers are still in after a minute (the snapshot's sweep counts them as watched); the 15 buyers
    # ordered and paid, which passes every step before (they entered, were engaged and clicked): no step
    # exceeds the one before it
    assert [s["users"] for s in rep["funnel"]] == [20, 20, 15, 15, 15]
    assert rep["top_contributors"] == [{"position": 1, "user": "whale", "value": 5200, "name": "whale"}]
    assert rep["figures"]["orders"] == 15 and rep["figures"]["gmv"] == 15_000
    assert rep["figures"]["duration_s"] == 300 and rep["figures"]["peak_online"] >= 42
    assert rep["top_products"]["by_gmv"] == [{"position": 1, "product": "p1", "gmv": 15_000}]
    assert rep["keywords"][0]["word"] == "口红"
    assert rep["totals"]["likes"] == 150

    r = await client.get("/api/rooms/A/sessions/s1/report.png", params={"token": host(settings)["authorization"][7:]})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(r.content) > 20_000
    english = await client.get("/api/rooms/A/sessions/s1/report.png",
                               params={"token": host(settings)["authorization"][7:], "lang": "en"})
    assert english.status_code == 200 and english.content != r.content  # the labels differ
    assert (await client.get("/api/rooms/A/sessions/nope/report", headers=host(settings))).status_code == 404
