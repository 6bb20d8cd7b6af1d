"""A scripted show on real Redis and PostgreSQL: the API, a gateway with real WebSocket viewers, the ranking
and snapshot workers.

Viewers join before the show, chat, like, gift, click, buy and pay during it; after the end they keep doing all
of that (and pay an order of the show). The ended session's summary and report never change. When the room
goes live again, the viewers already present enter the new session, and every funnel step is at most the step
before it, in the live metrics and in the report.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from livecore.api.app import build_app
from livecore.auth import issue
from livecore.client import LiveClient
from livecore.core.keywords import KeywordExtractor
from livecore.features.gateway_set import FeatureSet
from livecore.features.sales.messages import Buy
from livecore.gateway.server import Gateway
from livecore.protocol import client as c
from livecore.protocol.server import Result
from livecore.runtime import Runtime
from livecore.workers.ranking import RankingWorker
from livecore.workers.snapshots import SnapshotWorker

ROOM = "show"
LINES = {"s1": "保温杯真好看", "off": "下播以后继续聊天气", "s2": "龙井茶叶新鲜"}


class Show:
    def __init__(self, settings: Any, runtime: Runtime, api: httpx.AsyncClient, gw: Gateway, port: int) -> None:
        self.settings, self.rt, self.api, self.gw, self.port = settings, runtime, api, gw, port
        self.host = {"authorization": "Bearer " + issue(settings.secret, "h1", role="host", room=ROOM)}
        self.viewers: dict[str, LiveClient] = {}
        self.ranking = RankingWorker(runtime, "t", push=False)
        self.snapshots = SnapshotWorker(runtime, keywords=KeywordExtractor())

    async def call(self, method: str, path: str, body: Any = None, user: str | None = None) -> Any:
        headers = self.host if user is None else {
            "authorization": "Bearer " + issue(self.settings.secret, user)}
        r = await self.api.request(method, path, json=body, headers=headers)
        assert r.status_code < 300, (method, path, r.status_code, r.text)
        return r.json()

    async def join(self, user: str) -> LiveClient:
        cl = LiveClient(f"ws://127.0.0.1:{self.port}/ws", issue(self.settings.secret, user), reconnect=False)
        await cl.connect()
        await cl.join(ROOM)
        self.viewers[user] = cl
        return cl

    async def activity(self, users: list[str], product: str, sale: str, tag: str) -> list[str]:
        """Every kind of interaction from each user; returns the orders they placed (unpaid)."""
        orders = []
        for user in users:
            cl = self.viewers[user]
            assert isinstance(await cl.request(c.Chat(text=LINES[tag])), Result)
            await cl.send(c.Like(count=3))
            await cl.send(c.Click(product=product))
            assert isinstance(await cl.request(c.Gift(gift="rose", key=f"{tag}-{user}")), Result)
            bought = await cl.request(Buy(sale=sale, key=f"{tag}-{user}"))
            assert isinstance(bought, Result), bought
            orders.append(str(bought.data["order"]))
        return orders

    async def pay(self, order: str, user: str) -> None:
        assert (await self.call("POST", f"/api/orders/{order}/pay", {}, user=user))["ok"]

    async def settle(self, ahead_s: float = 61) -> None:
        """Until every interaction sent is in the stream and applied, and the snapshot of ``ahead_s`` from now
        has been written (61 s: the minute's watch sweep too)."""
        await asyncio.sleep(0.3)  # the gateway handles the frames sent without an answer (likes, clicks)
        while self.gw.interactions is not None and self.gw.interactions.pending:
            await self.gw.interactions.flush()
        await self.ranking.discover()
        for _ in range(200):
            if not await self.ranking.step(block_ms=0):
                break
        await self.snapshots.snapshot(int((time.time() + ahead_s) * 1000))

    async def summary(self, session: str) -> dict[str, Any]:
        report = await self.call("GET", f"/api/rooms/{ROOM}/sessions/{session}/report")
        metrics = await self.call("GET", f"/api/rooms/{ROOM}/metrics?session={session}")
        keep = ("totals", "funnel", "top_products", "top_contributors", "keywords")
        return {"report": {k: report[k] for k in keep if k in report},
                "metrics": {k: v for k, v in metrics.items() if k not in ("ts", "online", "peak", "uv", "change")}}


def users_of(funnel: list[dict[str, Any]]) -> list[int]:
    return [int(s["users"]) for s in funnel]


async def test_an_ended_session_never_changes_and_the_next_funnel_counts_who_is_already_there(
        settings, runtime) -> None:  # type: ignore[no-untyped-def]
    app = build_app(settings)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://api.test") as api:
        features = FeatureSet.open(runtime)
        gw = Gateway(runtime, features=features)
        port = await gw.start("127.0.0.1", 0)
        show = Show(settings, runtime, api, gw, port)
        await show.ranking.discover()
        try:
            await show.call("POST", "/api/rooms", {"id": ROOM, "title": "spring"})
            product = (await show.call("POST", f"/api/rooms/{ROOM}/products", {"title": "cup", "price": 1000}))["id"]
            now = int(time.time() * 1000)
            spec = {"product": product, "price": 700, "quantity": 100, "per_user": 5, "ends_at": now + 600_000}
            created = await show.call("POST", f"/api/rooms/{ROOM}/sales", spec)
            assert created["warning"]["code"] == "not_live"  # created all the same, with a word
            sale = created["id"]
            for user in ("ann", "bob", "cat"):  # in the room before the show
                await show.join(user)
            await show.settle()

            s1 = (await show.call("POST", f"/api/rooms/{ROOM}/live/start", {}))["id"]
            await show.join("dan")
            assert "warning" not in await show.call("POST", f"/api/rooms/{ROOM}/sales", {**spec, "quantity": 1})
            show1 = await show.activity(["ann", "bob", "dan"], product, sale, "s1")
            await show.pay(show1[0], "ann")
            await show.settle()
            await show.call("POST", f"/api/rooms/{ROOM}/live/end")
            await show.settle()
            ended = await show.summary(s1)
            funnel1 = users_of(ended["report"]["funnel"])
            assert funnel1 == sorted(funnel1, reverse=True) and funnel1[0] == 4, ended  # ann, bob, cat, dan
            assert ended["metrics"]["paid"] == 1 and ended["metrics"]["orders"] == 3
            assert "保温杯" in {k["word"] for k in ended["report"]["keywords"]}, ended["report"]["keywords"]

            # offline: everything again, a new viewer, and a payment of an order placed during the show
            await show.join("eve")
            offline = await show.activity(["ann", "cat", "eve"], product, sale, "off")
            await show.pay(show1[1], "bob")
            await show.pay(offline[0], "ann")
            await show.settle()
            assert await show.summary(s1) == ended
            await show.settle(ahead_s=200)  # past the summary's grace after the end: the barrage keywords too
            assert await show.summary(s1) == ended

            # the next show: the five viewers in the room enter it; then a few of them act
            s2 = (await show.call("POST", f"/api/rooms/{ROOM}/live/start", {}))["id"]
            show2 = await show.activity(["cat", "eve"], product, sale, "s2")
            await show.pay(show2[0], "cat")
            await show.pay(show1[2], "dan")  # an order of the ended show, paid now: neither session's
            await show.settle()
            second = await show.summary(s2)
            for funnel in (second["metrics"]["funnel"], second["report"]["funnel"]):
                counts = users_of(funnel)
                assert counts[0] == 5 and counts == sorted(counts, reverse=True), funnel
                assert all(s["ratio"] is None or s["ratio"] <= 1 for s in funnel), funnel
            assert second["metrics"]["paid"] == 1 and second["metrics"]["orders"] == 2
            assert await show.summary(s1) == ended
        finally:
            for cl in show.viewers.values():
                await cl.close()
            await gw.stop()
            await features.close()
