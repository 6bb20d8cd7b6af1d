"""Share reconciliation: what Redis decided for a room (the funnel counts, the credited orders, the unlocks of the
current help campaign) against what the share worker wrote to PostgreSQL, each difference named.

Run it after the outbox has drained (``outbox_behind`` says how many entries are still pending or unread: while
that is not 0 a difference may only be the worker's lag).
"""

from __future__ import annotations

from typing import Any

from redis.exceptions import ResponseError

from ... import replies
from ...runtime import Runtime
from .codes import CHANNELS
from .keys import ShareKeys


async def behind(rt: Runtime, stream: str, group: str = "share") -> int:
    """Entries of ``stream`` the consumer group ``group`` has not acknowledged yet (pending + unread)."""
    try:
        groups = await rt.redis.xinfo_groups(stream)
    except ResponseError:  # no stream yet
        return 0
    for g in groups:
        if replies.text(g["name"]) == group:
            return int(g.get("pending") or 0) + int(g.get("lag") or 0)
    return int(await rt.redis.xlen(stream))  # nobody has read it yet


async def reconcile(rt: Runtime, room: str) -> dict[str, Any]:
    sk = ShareKeys(rt.keys)
    raw = await rt.redis.hgetall(sk.funnel(room))
    counts = {replies.text(k): int(v) for k, v in raw.items()}

    def total(step: str) -> int:
        return sum(counts.get(f"{ch}:{step}", 0) for ch in CHANNELS)

    redis_side = {"visits": total("visits") + total("joins"), "referrals": total("new"), "credits": total("orders"),
                  "credited_gmv": total("gmv"), "credited_orders": int(await rt.redis.hlen(sk.credited(room)))}
    campaign = replies.text_or_none(await rt.redis.hget(sk.help_campaign(room), "id"))
    if campaign is not None:
        redis_side["unlocks"] = int(await rt.redis.hlen(sk.unlocked(room, campaign)))
    assert rt.db is not None, "reconciliation reads PostgreSQL"
    row = await rt.db.fetchrow(
        """SELECT (SELECT count(*) FROM share_visits WHERE room_id = $1) AS visits,
                  (SELECT count(*) FROM share_referrals WHERE room_id = $1) AS referrals,
                  (SELECT count(*) FROM share_credits WHERE room_id = $1) AS credits,
                  (SELECT coalesce(sum(amount), 0) FROM share_credits WHERE room_id = $1) AS credited_gmv,
                  (SELECT count(*) FROM share_unlocks WHERE campaign_id = $2) AS unlocks""", room, campaign or "")
    pg_side = {"visits": row["visits"], "referrals": row["referrals"], "credits": row["credits"],
               "credited_gmv": int(row["credited_gmv"]), "credited_orders": row["credits"]}
    if campaign is not None:
        pg_side["unlocks"] = row["unlocks"]
    differences = [f"{name}: redis {redis_side[name]} != postgresql {pg_side[name]}"
                   for name in redis_side if redis_side[name] != pg_side[name]]
    lag = await behind(rt, sk.outbox(room))
    return {"room": room, "ok": not differences, "differences": differences, "redis": redis_side,
            "postgresql": pg_side, "outbox_behind": lag, "campaign": campaign}


def text(report: dict[str, Any]) -> str:
    """The report as ``livecore reconcile --share`` prints it: the figures, then each difference by name."""
    r, pg = report["redis"], report["postgresql"]
    lines = [f"share attribution in room {report['room']}" + (f" (help campaign {report['campaign']})"
                                                               if report.get("campaign") else "")]
    lines += [f"  {name}: redis {r[name]}, postgresql {pg.get(name)}" for name in r]
    for name, value in report.items():
        if name.endswith("_behind"):
            lines.append(f"  {name}: {value}" + (" (a difference may only be that lag)" if value else ""))
    lines += [f"DIFFERENCE {d}" for d in report["differences"]]
    lines.append("OK: Redis and PostgreSQL agree" if report["ok"] else f"{len(report['differences'])} difference(s)")
    return "\n".join(lines)
