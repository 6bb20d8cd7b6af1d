"""The demo's scripted host yields to a person (real API, Redis and PostgreSQL; the host's HTTP calls go
through the app in-process)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from livecore.api.app import build_app
from livecore.auth import issue
from livecore.demo.host import DEMO_HOST, ScriptedHost
from livecore.demo.http import ApiRefused
from livecore.demo.yielding import last_person_move, should_move


def test_the_rule_counts_a_persons_moves_since_the_start_but_not_the_switch() -> None:
    rows = [{"actor": DEMO_HOST, "action": "product.push", "at": 50},
            {"actor": "host1", "action": "live.start", "at": 5},  # before the scripted host started
            {"actor": "host1", "action": "demo.host", "at": 60}]  # the switch itself
    assert last_person_move(rows, DEMO_HOST, 10) is None
    assert last_person_move([*rows, {"actor": "host1", "action": "sale.create", "at": 70}], DEMO_HOST, 10) == 70
    assert should_move(None, None, 0, 120) and should_move("running", 1000, 121_000, 120)
    assert not should_move("running", 1000, 120_000, 120)
    assert not should_move("paused", None, 0, 120) and not should_move("off", None, 0, 120)


async def test_the_scripted_host_steps_aside_for_a_person_and_for_the_switch(settings, migrated, redis) -> None:  # type: ignore[no-untyped-def]
    settings = settings.with_(demo=True)
    app = build_app(settings)
    human = {"authorization": "Bearer " + issue(settings.secret, "host1", role="host", room="demo")}
    script = {"authorization": "Bearer " + issue(settings.secret, DEMO_HOST, role="host", room="demo")}
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://api.test") as api:

        async def as_human(method: str, path: str, body: Any = None) -> Any:
            r = await api.request(method, path, json=body, headers=human)
            assert r.status_code < 300, r.text
            return r.json()

        async def as_script(method: str, path: str, body: Any = None) -> Any:
            r = await api.request(method, path, json=body, headers=script)
            if r.status_code >= 300:
                err = r.json()["error"]
                raise ApiRefused(r.status_code, err["code"], err["message"])
            return r.json()

        await as_human("POST", "/api/rooms", {"id": "demo", "title": "t"})
        for title in ("cup", "tea"):
            await as_human("POST", "/api/rooms/demo/products", {"title": title, "price": 1000})
        products = await as_human("GET", "/api/rooms/demo/products")
        await as_human("POST", "/api/rooms/demo/live/start", {})
        await asyncio.sleep(0.01)  # the seeding above is before the scripted host started
        host = ScriptedHost("", "", "demo", products, cycle_s=1.0, quiet_s=0.6, poll_s=0.05, caller=as_script)

        async def demo_rows() -> list[dict[str, Any]]:
            return [r for r in await as_human("GET", "/api/rooms/demo/audit?n=100") if r["actor"] == DEMO_HOST]

        await host.set_mode("running")
        assert (await as_human("GET", "/api/rooms/demo"))["demo_host"] == "running"
        assert await host.may_move()
        await host.cycle()
        assert {r["action"] for r in await demo_rows()} >= {"product.push", "demo.host"}  # marked as the demo's

        await as_human("POST", f"/api/rooms/demo/products/{products[1]['id']}/push")  # a person takes over
        assert not await host.may_move()
        before = len(await demo_rows())
        stop = asyncio.Event()
        running = asyncio.create_task(host.run(stop))
        await asyncio.sleep(0.3)  # within the quiet time: no move
        assert len(await demo_rows()) == before + 1 and host.skipped > 0  # only run()'s own switch row
        await asyncio.sleep(0.6)  # quiet for longer than quiet_s: the scripted host moves again
        assert len(await demo_rows()) > before + 1
        stop.set()
        await running

        await as_human("POST", "/api/rooms/demo/demo/host", {"mode": "paused"})  # the console's switch
        await asyncio.sleep(0.7)
        assert not await host.may_move()  # paused, however quiet the person is
        await as_human("POST", "/api/rooms/demo/demo/host", {"mode": "running"})
        assert await host.may_move()  # flipping the switch back on is not a move to wait after
        bad = await api.post("/api/rooms/demo/demo/host", json={"mode": "sideways"}, headers=human)
        assert bad.status_code == 400
        viewer = {"authorization": "Bearer " + issue(settings.secret, "v1")}
        assert (await api.post("/api/rooms/demo/demo/host", json={"mode": "off"}, headers=viewer)).status_code == 403

    plain = build_app(settings.with_(demo=False))
    async with plain.router.lifespan_context(plain), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=plain), base_url="http://api.test") as api:
        r = await api.post("/api/rooms/demo/demo/host", json={"mode": "paused"}, headers=human)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
