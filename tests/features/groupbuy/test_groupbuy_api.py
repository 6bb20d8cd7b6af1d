"""Group-buy over HTTP (the API app in process, real Redis and PostgreSQL): the host creates and ends a deal,
viewers open and join, refusals answer through the one status map."""

from __future__ import annotations

from typing import Any

from livecore.auth import issue


def auth(settings: Any, user: str, role: str = "viewer", room: str | None = None,
         name: str | None = None) -> dict[str, str]:
    return {"authorization": "Bearer " + issue(settings.secret, user, role=role, room=room, name=name)}


async def test_deal_open_join_over_http(api, settings) -> None:  # type: ignore[no-untyped-def]
    host = auth(settings, "hg", "host", "gh1", "主播")
    assert (await api.post("/api/rooms", json={"id": "gh1", "title": "拼团"}, headers=host)).status_code in (200, 201)
    product = (await api.post("/api/rooms/gh1/products", json={"title": "保温杯", "price": 9900}, headers=host)).json()
    spec = {"product": product["id"], "price": 4900, "units": 3, "size": 2, "fill_s": 600, "duration_s": 3600}
    viewer = auth(settings, "va", name="小爱")
    assert (await api.post("/api/rooms/gh1/groupbuys", json=spec, headers=viewer)).status_code == 403
    bad = await api.post("/api/rooms/gh1/groupbuys", json={**spec, "size": 11}, headers=host)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    missing = await api.post("/api/rooms/gh1/groupbuys", json={**spec, "product": "nope"}, headers=host)
    assert missing.status_code == 404
    r = await api.post("/api/rooms/gh1/groupbuys", json=spec, headers=host)
    assert r.status_code == 201, r.text
    deal = r.json()
    assert (deal["title"], deal["left"], deal["size"]) == ("保温杯", 3, 2)

    opened = (await api.post(f"/api/rooms/gh1/groupbuys/{deal['id']}/open", json={"key": "k1"}, headers=viewer)).json()
    assert opened["need"] == 1 and opened["status"] == "open"
    group = opened["group"]
    view = (await api.get(f"/api/rooms/gh1/groups/{group}")).json()
    assert view["members"] == [{"user": "va", "name": "小爱"}] and view["need"] == 1
    again = await api.post(f"/api/rooms/gh1/groups/{group}/join", json={"key": "k2"}, headers=viewer)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already"
    code = (await api.post("/api/rooms/gh1/share/code", json={"channel": "qq", "group": group}, headers=viewer)).json()
    joined = await api.post(f"/api/rooms/gh1/groups/{group}/join", json={"key": "k1", "share": code["code"]},
                            headers=auth(settings, "vb", name="阿波"))
    assert joined.status_code == 200 and joined.json()["status"] == "complete"
    assert joined.json()["share"] == "new"  # attributed to va, whose link it was
    qq = next(c for c in (await api.get("/api/rooms/gh1/share/funnel", headers=host)).json()["channels"]
              if c["channel"] == "qq")
    assert (qq["visits"], qq["joins"], qq["new"]) == (1, 1, 1)
    closed = await api.post(f"/api/rooms/gh1/groups/{group}/join", json={"key": "k1"}, headers=auth(settings, "vc"))
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "group_closed"
    assert (await api.get("/api/rooms/gh1/groups/gd0000000000-00000000")).status_code == 404

    listed = (await api.get(f"/api/rooms/gh1/groupbuys/{deal['id']}")).json()
    assert (listed["left"], listed["completed"], listed["confirmed"]) == (1, 1, 2)
    assert (await api.get(f"/api/rooms/gh1/groupbuys/{deal['id']}/groups", headers=viewer)).status_code == 403
    groups = (await api.get(f"/api/rooms/gh1/groupbuys/{deal['id']}/groups", headers=host)).json()
    assert [g["status"] for g in groups] == ["complete"] and len(groups[0]["members"][0]["order"]) > 12

    ended = await api.post(f"/api/rooms/gh1/groupbuys/{deal['id']}/end", headers=host)
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    late = await api.post(f"/api/rooms/gh1/groupbuys/{deal['id']}/open", json={"key": "k9"},
                          headers=auth(settings, "vd"))
    assert late.status_code == 409 and late.json()["error"]["code"] == "ended"
    assert [d["id"] for d in (await api.get("/api/rooms/gh1/groupbuys")).json()] == [deal["id"]]
