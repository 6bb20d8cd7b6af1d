"""Lotteries over HTTP: the host opens and draws, viewers enter, anyone verifies."""

import hashlib

from livecore.auth import issue
from livecore.config import Settings


def auth(settings: Settings, user: str, role: str = "viewer", room: str | None = None) -> dict[str, str]:
    return {"authorization": "Bearer " + issue(settings.secret, user, role=role, room=room)}


async def test_open_enter_draw_verify(client, settings, redis) -> None:  # type: ignore[no-untyped-def]
    host = auth(settings, "h1", "host", "r1")
    spec = {"prize": "福袋: 口红", "winners": 2, "condition": "follow", "duration_s": 120}
    assert (await client.post("/api/rooms/r1/lotteries", json=spec, headers=auth(settings, "u1"))).status_code == 403
    r = await client.post("/api/rooms/r1/lotteries", json={**spec, "condition": "sing"}, headers=host)
    assert r.status_code == 400
    r = await client.post("/api/rooms/r1/lotteries", json=spec, headers=host)
    assert r.status_code == 201, r.text
    opened = r.json()
    assert "seed" not in opened and len(opened["seed_hash"]) == 64
    assert (await client.post("/api/rooms/r1/lotteries", json=spec, headers=host)).json()["error"]["code"] == "busy"
    assert (await client.get("/api/rooms/r1/lotteries/current")).json()["id"] == opened["id"]
    lt = opened["id"]

    r = await client.post(f"/api/rooms/r1/lotteries/{lt}/enter", headers=auth(settings, "u1"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_eligible"
    followers = f"{settings.key_prefix}:{{r:r1}}:followers"
    await redis.sadd(followers, *[f"u{i}" for i in range(6)])
    for i in range(6):
        r = await client.post(f"/api/rooms/r1/lotteries/{lt}/enter", headers=auth(settings, f"u{i}"))
        assert r.status_code == 200 and r.json()["entries"] == i + 1
    r = await client.post(f"/api/rooms/r1/lotteries/{lt}/enter", headers=auth(settings, "u0"))
    assert r.json()["error"]["code"] == "already"
    before = (await client.get(f"/api/lotteries/{lt}")).json()
    assert before["status"] == "open" and "seed" not in before and "entries" not in before
    assert (await client.get(f"/api/lotteries/{lt}/verify")).json()["ok"] is False  # not drawn yet

    assert (await client.post(f"/api/rooms/r1/lotteries/{lt}/draw", headers=auth(settings, "u1"))).status_code == 403
    r = await client.post(f"/api/rooms/r1/lotteries/{lt}/draw", headers=host)
    assert r.status_code == 200
    drawn = r.json()
    assert drawn["status"] == "drawn" and len(drawn["winners"]) == 2
    assert hashlib.sha256(drawn["seed"].encode()).hexdigest() == opened["seed_hash"]
    record = (await client.get(f"/api/lotteries/{lt}?entries=1")).json()
    assert sorted(record["entries"]) == [f"u{i}" for i in range(6)] and record["winners"] == drawn["winners"]
    report = (await client.get(f"/api/lotteries/{lt}/verify")).json()
    assert report["ok"] and report["recomputed"] == drawn["winners"]
    assert (await client.get("/api/lotteries/ltnope/verify")).status_code == 404
    listed = (await client.get("/api/rooms/r1/lotteries")).json()
    assert [(x["id"], x["status"], x["entries_count"]) for x in listed] == [(lt, "drawn", 6)]

    second = (await client.post("/api/rooms/r1/lotteries", json=spec, headers=host)).json()
    r = await client.post(f"/api/rooms/r1/lotteries/{second['id']}/cancel", headers=host)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert (await client.post(f"/api/rooms/r1/lotteries/{second['id']}/draw", headers=host)).status_code == 409
