"""Coupons over HTTP (the app in-process with its lifespan, real Redis and PostgreSQL)."""



from livecore.auth import issue
from livecore.config import Settings


def auth(settings: Settings, user: str, role: str = "viewer", room: str | None = None) -> dict[str, str]:
    return {"authorization": "Bearer " + issue(settings.secret, user, role=role, room=room)}


async def test_host_creates_viewers_claim_and_pick_the_best(client, settings) -> None:  # type: ignore[no-untyped-def]
    host = auth(settings, "h1", "host", "r1")
    viewer = auth(settings, "alice")
    batch = {"kind": "threshold", "amount": 2000, "threshold": 19900, "total": 2, "duration_s": 600,
             "valid_for_s": 3600, "title": "满199减20"}
    r = await client.post("/api/rooms/r1/coupons", json=batch, headers=viewer)
    assert r.status_code == 403
    r = await client.post("/api/rooms/r2/coupons", json=batch, headers=host)  # another room's host
    assert r.status_code == 403
    r = await client.post("/api/rooms/r1/coupons", json={**batch, "amount": 0}, headers=host)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"
    r = await client.post("/api/rooms/r1/coupons", json=batch, headers=host)
    assert r.status_code == 201, r.text
    mj = r.json()
    assert mj["remaining"] == 2 and mj["title"] == "满199减20"
    pct = (await client.post("/api/rooms/r1/coupons", headers=host, json={
        "kind": "percent", "percent": 10, "cap": 1500, "total": 5, "duration_s": 600, "valid_for_s": 60})).json()

    r = await client.post(f"/api/rooms/r1/coupons/{mj['id']}/claim", json={"key": "k1"}, headers=viewer)
    assert r.status_code == 200 and r.json()["ok"]
    claim_mj = r.json()["claim"]
    r = await client.post(f"/api/rooms/r1/coupons/{mj['id']}/claim", json={"key": "k2"}, headers=viewer)
    assert r.status_code == 409 and r.json()["error"]["code"] == "limit_reached"
    r = await client.post(f"/api/rooms/r1/coupons/{pct['id']}/claim", json={"key": "k1"}, headers=viewer)
    claim_pct = r.json()["claim"]
    await client.post(f"/api/rooms/r1/coupons/{mj['id']}/claim", json={"key": "k"}, headers=auth(settings, "bob"))
    r = await client.post(f"/api/rooms/r1/coupons/{mj['id']}/claim", json={"key": "k"}, headers=auth(settings, "eve"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "sold_out"
    r = await client.post("/api/rooms/r1/coupons/cbnope/claim", json={"key": "k"}, headers=viewer)
    assert r.status_code == 404
    r = await client.post(f"/api/rooms/r1/coupons/{mj['id']}/claim", json={}, headers=viewer)
    assert r.status_code == 400

    r = await client.get("/api/rooms/r1/coupons/mine?amount=19900", headers=viewer)
    mine = r.json()
    assert [(c["claim"], c["discount"]) for c in mine["coupons"]] == [(claim_mj, 2000), (claim_pct, 1500)]
    assert mine["best"] == claim_mj
    r = await client.get("/api/rooms/r1/coupons/mine?amount=10000", headers=viewer)
    assert r.json()["best"] == claim_pct
    r = await client.get("/api/rooms/r1/coupons/mine", headers=viewer)
    assert sorted(c["claim"] for c in r.json()["coupons"]) == sorted([claim_mj, claim_pct])
    assert all(c["usable"] for c in r.json()["coupons"])
    assert (await client.get("/api/rooms/r1/coupons/mine")).status_code == 401

    listed = (await client.get("/api/rooms/r1/coupons")).json()
    assert [b["id"] for b in listed] == [pct["id"], mj["id"]] and listed[1]["remaining"] == 0
    r = await client.post(f"/api/rooms/r1/coupons/{pct['id']}/end", headers=host)
    assert r.status_code == 200 and r.json()["status"] == "ended"
    r = await client.post(f"/api/rooms/r1/coupons/{pct['id']}/claim", json={"key": "x"}, headers=auth(settings, "bob"))
    assert r.json()["error"]["code"] == "ended"
