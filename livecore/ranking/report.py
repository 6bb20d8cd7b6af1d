"""The post-live report (直播复盘): a session's per-minute curves from the PostgreSQL snapshots, its funnel,
top products, top contributors and keywords, and a PNG chart of the curves.

The session summary comes from ``analytics_sessions`` (written every minute by the snapshot worker) and falls
back to Redis while no summary has been written yet, so the report of a session that just ended is complete.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import asyncpg

from ..core.keywords import KeywordExtractor
from ..workers.snapshots import session_summary
from .store import RankingStore

MINUTE_S = 60
CURVES: tuple[str, ...] = ("online", "gmv", "orders", "likes")


class SessionNotFound(LookupError):
    pass


def _minute(dt: datetime) -> int:
    return int(dt.timestamp()) // MINUTE_S


async def build_report(db: asyncpg.Pool, store: RankingStore, room: str, session_id: str, now_ms: int,
                       keywords: KeywordExtractor | None = None, keyword_window_s: float = 300) -> dict[str, Any]:
    row = await db.fetchrow("SELECT id, room_id, title, started_at, ended_at FROM live_sessions "
                            "WHERE id = $1 AND room_id = $2", session_id, room)
    if row is None:
        raise SessionNotFound(session_id)
    started: datetime = row["started_at"]
    ended: datetime | None = row["ended_at"]
    first = _minute(started)
    last = _minute(ended) if ended is not None else (now_ms // 1000) // MINUTE_S
    rows = await db.fetch("SELECT * FROM analytics_minutes WHERE room_id = $1 AND minute >= $2 AND minute <= $3 "
                          "ORDER BY minute", room, datetime.fromtimestamp(first * MINUTE_S, UTC),
                          datetime.fromtimestamp(last * MINUTE_S, UTC))
    by_minute = {_minute(r["minute"]): r for r in rows}
    minutes = list(range(first, last + 1))
    curves: dict[str, list[Any]] = {"minutes": [datetime.fromtimestamp(m * MINUTE_S, UTC).isoformat()
                                                for m in minutes]}
    online_prev = 0
    curves["online"] = []
    for m in minutes:
        r = by_minute.get(m)
        if r is not None and r["online"] is not None:
            online_prev = r["online"]
        curves["online"].append(online_prev if r is not None else 0)
    for name in ("gmv", "orders", "likes", "comments", "enters", "gift_value", "paid"):
        curves[name] = [int(by_minute[m][name]) if m in by_minute else 0 for m in minutes]
    summary_row = await db.fetchrow("SELECT totals, funnel, top_products, top_contributors, keywords "
                                    "FROM analytics_sessions WHERE session_id = $1", session_id)
    if summary_row is not None:
        summary = dict(summary_row)
    else:
        summary = await session_summary(store, room, session_id, now_ms, keywords, keyword_window_s)
    peaks = [r["peak"] for r in rows if r["peak"] is not None]
    return {
        "session": {"id": row["id"], "room": row["room_id"], "title": row["title"],
                    "started_at": started.isoformat(), "ended_at": ended.isoformat() if ended else None,
                    "live": ended is None, "minutes": len(minutes)},
        "curves": curves,
        "totals": summary["totals"],
        "peak_online": max(peaks) if peaks else max(curves["online"], default=0),
        "funnel": summary["funnel"],
        "top_products": summary["top_products"],
        "top_contributors": summary["top_contributors"],
        "keywords": summary["keywords"],
    }


def render_png(report: dict[str, Any]) -> bytes:
    """Four small charts (online, GMV, orders, likes per minute) in one PNG; CPU-bound, run it in a thread."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    curves = report["curves"]
    xs = list(range(len(curves["minutes"])))
    fig = Figure(figsize=(10, 6), dpi=100)
    titles = {"online": "Online viewers", "gmv": "GMV per minute (yuan)", "orders": "Orders per minute",
              "likes": "Likes per minute"}
    for i, name in enumerate(CURVES):
        ax = fig.add_subplot(2, 2, i + 1)
        ys = [v / 100 for v in curves[name]] if name == "gmv" else curves[name]
        if name == "online":
            ax.plot(xs, ys, color="#2563eb", linewidth=1.8)
            ax.fill_between(xs, ys, color="#2563eb", alpha=0.15)
        else:
            ax.bar(xs, ys, color={"gmv": "#16a34a", "orders": "#ea580c", "likes": "#db2777"}[name], width=0.8)
        ax.set_title(titles[name], fontsize=10)
        ax.set_xlabel("minute of the session", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    session = report["session"]
    fig.suptitle(f"Session {session['id']} - room {session['room']} - {session['started_at'][:16]}", fontsize=11)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
