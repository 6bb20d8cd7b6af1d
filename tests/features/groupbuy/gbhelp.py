"""Constants and small readers shared by the group-buy tests."""

from __future__ import annotations

from typing import Any

from livecore.features.groupbuy.keys import GroupKeys
from livecore.features.groupbuy.model import text_map
from livecore.runtime import Runtime

T0 = 1_800_000_000.0  # seconds; every group-buy test starts here
T0_MS = int(T0 * 1000)
ROOM = "grp"
PRODUCT = "gp1"


async def seed_cart(rt: Runtime) -> None:
    """The room and its host in PostgreSQL, with one product in its cart."""
    assert rt.db is not None
    await rt.db.execute("INSERT INTO hosts (id, name) VALUES ('h1', 'Host') ON CONFLICT DO NOTHING")
    await rt.db.execute("INSERT INTO rooms (id, host_id) VALUES ($1, 'h1') ON CONFLICT DO NOTHING", ROOM)
    await rt.db.execute("""INSERT INTO products (id, room_id, title, list_price)
                           VALUES ($1, $2, '保温杯', 9900) ON CONFLICT DO NOTHING""", PRODUCT, ROOM)


async def deal_hash(rt: Runtime, deal: str) -> dict[str, int]:
    h = text_map(await rt.redis.hgetall(GroupKeys(rt.keys).deal(ROOM, deal)))
    return {k: int(h[k]) for k in ("units", "left", "reserved", "confirmed", "released", "opened", "completed",
                                   "dissolved")}


async def counters(rt: Runtime, deal: str) -> dict[str, int]:
    """The deal's holding and payment counters."""
    h = await rt.redis.hgetall(GroupKeys(rt.keys).deal(ROOM, deal))
    return {k: int(h.get(k.encode(), b"0")) for k in ("left", "reserved", "confirmed", "paid", "lapsed")}


async def members_pg(rt: Runtime, deal: str) -> dict[str, str]:
    assert rt.db is not None
    rows = await rt.db.fetch("SELECT order_id, status FROM group_members WHERE deal_id = $1", deal)
    return {r["order_id"]: r["status"] for r in rows}


def ok(answer: Any) -> dict[str, Any]:
    assert isinstance(answer, dict), answer
    return answer
