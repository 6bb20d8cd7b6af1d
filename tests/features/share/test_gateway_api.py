"""Share codes, visits and helps through a real gateway and the API in process: who may do what, the refusal
codes on the wire and in HTTP bodies, the help campaign's state key reaching the room."""

from __future__ import annotations

import asyncio

from livecore.auth import issue
from livecore.client import LiveClient
from livecore.features.coupons.service import CouponBatchIn, CouponService
from livecore.features.share.messages import HelpFriend, HelpStatus, ShareCodeAsk, ShareVisit
from livecore.protocol.server import Error, Result


def auth(settings, user: str, role: str = "viewer", room: str | None = None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"authorization": "Bearer " + issue(settings.secret, user, role=role, room=room)}


async def test_share_routes_over_http(api, settings, rooms) -> None:  # type: ignore[no-untyped-def]
    host, ann, bob = auth(settings, "h", "host", "r1"), auth(settings, "ann"), auth(settings, "bob")
    assert (await api.get("/api/rooms/r1/share/funnel", headers=ann)).status_code == 403
    r = await api.post("/api/rooms/r1/share/code", json={"channel": "poster", "group": "g1"}, headers=ann)
    assert r.status_code == 201 and r.json()["link"].endswith("&group=g1")
    code = r.json()["code"]
    assert (await api.post("/api/rooms/r1/share/code", json={"channel": "sms"}, headers=ann)).status_code == 400
    mine = await api.post("/api/rooms/r1/share/visit", json={"code": code, "group": "g1"}, headers=ann)
    assert mine.status_code == 409 and mine.json()["error"]["code"] == "self_referral"
    wrong = await api.post("/api/rooms/r1/share/visit", json={"code": code}, headers=bob)
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "bad_code"
    joined = await api.post("/api/rooms/r1/share/visit", json={"code": code, "group": "g1", "via": "join"}, headers=bob)
    assert joined.status_code == 200 and joined.json()["outcome"] == "new" and joined.json()["referrer"] == "ann"
    f = (await api.get("/api/rooms/r1/share/funnel", headers=host)).json()
    poster = next(c for c in f["channels"] if c["channel"] == "poster")
    assert (poster["codes"], poster["joins"], poster["new"]) == (1, 1, 1) and f["fission"] == 1.0
    assert (await api.get("/api/rooms/r1/share/help")).json() is None
    batch = (await api.post("/api/rooms/r1/coupons", json={"kind": "fixed", "amount": 300, "total": 5,
                                                           "duration_s": 600, "valid_for_s": 600}, headers=host)).json()
    assert (await api.post("/api/rooms/r1/share/help", json={"batch": batch["id"], "need": 2},
                           headers=ann)).status_code == 403
    assert (await api.post("/api/rooms/r1/share/help", json={"batch": batch["id"], "need": 0},
                           headers=host)).status_code == 400
    made = await api.post("/api/rooms/r1/share/help", json={"batch": batch["id"], "need": 2}, headers=host)
    assert made.status_code == 201 and made.json()["need"] == 2
    assert (await api.get("/api/rooms/r1/share/help")).json()["id"] == made.json()["id"]
    assert (await api.delete("/api/rooms/r1/share/help", headers=host)).status_code == 200
    assert (await api.delete("/api/rooms/r1/share/help", headers=host)).status_code == 409


async def test_codes_visits_and_helps_over_the_gateway(settings, runtime, gateway) -> None:  # type: ignore[no-untyped-def]
    from livecore.features.share.help import HelpIn, HelpService

    url = f"ws://127.0.0.1:{gateway.port}/ws"
    ann = await LiveClient(url, issue(settings.secret, "ann", name="阿安"), reconnect=False).connect()
    bob = await LiveClient(url, issue(settings.secret, "bob"), reconnect=False).connect()
    coupons, helps = CouponService(runtime), HelpService(runtime)
    try:
        for c in (ann, bob):
            await c.join("r6")
        made = await ann.request(ShareCodeAsk(channel="qq"))
        assert isinstance(made, Result) and made.data["link"].startswith("/room/r6?share=")
        own = await ann.request(ShareVisit(code=made.data["code"]))
        assert isinstance(own, Error) and own.code == "self_referral"
        visit = await bob.request(ShareVisit(code=made.data["code"]))
        assert isinstance(visit, Result) and visit.data["referrer"] == "ann" and visit.data["channel"] == "qq"
        back = await bob.request(ShareCodeAsk(channel="link"))
        loop = await ann.request(ShareVisit(code=back.data["code"]))  # type: ignore[union-attr]
        assert isinstance(loop, Error) and loop.code == "referral_loop"
        none = await ann.request(HelpStatus())
        assert isinstance(none, Result) and none.data["campaign"] is None
        batch = await coupons.create_batch("r6", CouponBatchIn(kind="fixed", amount=300, total=5, duration_s=600,
                                                               valid_for_s=600), actor="h")
        await helps.set_campaign("r6", HelpIn(batch=batch["id"], need=1), "h")
        status = await ann.request(HelpStatus())
        assert isinstance(status, Result) and (status.data["helps"], status.data["to_go"]) == (0, 1)
        mine = await ann.request(HelpFriend(code=status.data["code"]))
        assert isinstance(mine, Error) and mine.code == "self_help"
        helped = await bob.request(HelpFriend(code=status.data["code"]))
        assert isinstance(helped, Result) and helped.data["unlocked"] and helped.data["name"] == "阿安"
        done = await ann.request(HelpStatus())
        assert isinstance(done, Result) and done.data["unlocked"] and done.data["claim"].startswith(batch["id"])
        deadline = asyncio.get_running_loop().time() + 20
        while (bob.state.get("share:help") or {}).get("need") != 1:
            assert asyncio.get_running_loop().time() < deadline, bob.state.get("share:help")
            await bob.next(0.2)
    finally:
        await ann.close()
        await bob.close()
        await coupons.close()
        await helps.close()
