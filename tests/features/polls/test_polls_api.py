"""The polls routes in the API app: only the room's host opens and closes; the answers and their statuses."""

from __future__ import annotations

from livecore.auth import issue


async def test_the_host_opens_and_closes_a_poll_over_http(api, settings) -> None:  # type: ignore[no-untyped-def]
    host = {"authorization": "Bearer " + issue(settings.secret, "h1", role="host", room="r1")}
    viewer = {"authorization": "Bearer " + issue(settings.secret, "v1")}
    body = {"question": "下一件?", "options": ["外套", "裙子"], "duration_s": 60, "changeable": True}
    assert (await api.post("/api/rooms/r1/polls", json=body, headers=viewer)).status_code == 403
    bad = await api.post("/api/rooms/r1/polls", json={**body, "options": ["只有一个"]}, headers=host)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    made = await api.post("/api/rooms/r1/polls", json=body, headers=host)
    assert made.status_code == 201
    poll = made.json()
    assert [o["id"] for o in poll["options"]] == ["a", "b"] and poll["status"] == "open"
    busy = await api.post("/api/rooms/r1/polls", json=body, headers=host)
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "busy"
    assert (await api.get("/api/rooms/r1/polls/current")).json()["id"] == poll["id"]
    assert (await api.get(f"/api/rooms/r1/polls/{poll['id']}")).json()["question"] == "下一件?"
    assert (await api.get("/api/rooms/r1/polls/nope")).status_code == 404
    assert (await api.post(f"/api/rooms/r1/polls/{poll['id']}/close", headers=viewer)).status_code == 403
    closed = await api.post(f"/api/rooms/r1/polls/{poll['id']}/close", headers=host)
    assert closed.status_code == 200 and closed.json()["result"] == {"tallies": {"a": 0, "b": 0}, "voters": 0}
    listed = (await api.get("/api/rooms/r1/polls")).json()
    assert [p["id"] for p in listed] == [poll["id"]]
