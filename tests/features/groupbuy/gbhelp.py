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


async def deal_hash(rt: Runtime, deal: str) -> dict[str, int]:
    h = text_map(await rt.redis.hgetall(GroupKeys(rt.keys).deal(ROOM, deal)))
    return {k: int(h[k]) for k in ("units", "left", "reserved", "confirmed", "released", "opened", "completed",
                                   "dissolved")}


async def members_pg(rt: Runtime, deal: str) -> dict[str, str]:
    assert rt.db is not None
    rows = await rt.db.fetch("SELECT order_id, status FROM group_members WHERE deal_id = $1", deal)
    return {r["order_id"]: r["status"] for r in rows}


def ok(answer: Any) -> dict[str, Any]:
    assert isinstance(answer, dict), answer
    return answer
