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


# -- pure ----------------------------------------------------------------------------------------------------
def written_minutes(minutes: list[int], written: set[int]) -> list[int]:
    """The session's minutes up to the last one a snapshot was written for: the running (or last, partial)
    minute has no row yet, and drawing it as 0 would show a collapse that did not happen. At least the
    first minute stays, so a session without any snapshot still has an axis."""
    last = max((m for m in minutes if m in written), default=None)
    if last is None:
        return minutes[:1]
    return [m for m in minutes if m <= last]


def figures(totals: dict[str, Any], peak_online: int, started_ms: int, ended_ms: int) -> dict[str, Any]:
    """The report's headline figures: GMV (cents), orders, peak online, duration and average watch time."""
    watch_n = int(totals.get("watch_n", 0) or 0)
    return {
        "gmv": int(totals.get("gmv", 0) or 0),
        "orders": int(totals.get("orders", 0) or 0),
        "peak_online": int(peak_online),
        "duration_s": max(0, (ended_ms - started_ms) // 1000),
        "avg_watch_s": round(int(totals.get("watch_ms", 0) or 0) / watch_n / 1000, 1) if watch_n else 0.0,
    }


LABELS: dict[str, dict[str, str]] = {
    "en": {"online": "Online viewers", "gmv": "GMV per minute (yuan)", "orders": "Orders per minute",
           "likes": "Likes per minute", "x": "minute of the session", "session": "Session", "room": "room",
           "figures": "GMV ¥{gmv} · {orders} orders · peak {peak_online} online · {duration} · "
                      "avg watch {avg_watch_s}s"},
    "zh": {"online": "在线人数", "gmv": "每分钟成交额（元）", "orders": "每分钟订单数", "likes": "每分钟点赞数",
           "x": "开播后第几分钟", "session": "场次", "room": "直播间",
           "figures": "成交额 ¥{gmv} · 订单 {orders} · 峰值在线 {peak_online} · 时长 {duration} · "
                      "人均观看 {avg_watch_s} 秒"},
}
CJK_FONTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
             "SimHei", "Microsoft YaHei", "PingFang SC")


def duration_text(seconds: int) -> str:
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def chart_language(wanted: str, cjk_font: str | None) -> str:
    """Chinese labels when asked for and a CJK font exists; English otherwise (never boxes for missing glyphs)."""
    return "zh" if wanted == "zh" and cjk_font else "en"


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
    end_ms = int(ended.timestamp() * 1000) if ended is not None else now_ms
    rows = await db.fetch("SELECT * FROM analytics_minutes WHERE room_id = $1 AND minute >= $2 AND minute <= $3 "
                          "ORDER BY minute", room, datetime.fromtimestamp(first * MINUTE_S, UTC),
                          datetime.fromtimestamp(last * MINUTE_S, UTC))
    by_minute = {_minute(r["minute"]): r for r in rows}
    minutes = written_minutes(list(range(first, last + 1)), set(by_minute))
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
    peak_online = max(peaks) if peaks else max(curves["online"], default=0)
    return {
        "session": {"id": row["id"], "room": row["room_id"], "title": row["title"],
                    "started_at": started.isoformat(), "ended_at": ended.isoformat() if ended else None,
                    "live": ended is None, "minutes": len(minutes)},
        "curves": curves,
        "totals": summary["totals"],
        "peak_online": peak_online,
        "figures": figures(summary["totals"], peak_online, int(started.timestamp() * 1000), end_ms),
        "funnel": summary["funnel"],
        "top_products": summary["top_products"],
        "top_contributors": summary["top_contributors"],
        "keywords": summary["keywords"],
    }


def cjk_font() -> str | None:
    """The name of an installed font with Chinese glyphs (fonts-wqy-microhei on Debian), or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def render_png(report: dict[str, Any], lang: str = "en") -> bytes:
    """Four small charts (online, GMV, orders, likes per minute) in one PNG, labelled in ``lang`` (``zh`` needs
    a CJK font; without one the labels are English); CPU-bound, run it in a thread."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    font = cjk_font() if lang == "zh" else None
    lang = chart_language(lang, font)
    words = LABELS[lang]
    curves = report["curves"]
    xs = list(range(len(curves["minutes"])))
    fig = Figure(figsize=(10, 6.4), dpi=100)
    face: dict[str, Any] = {"fontfamily": font} if font else {}  # per text, no change to matplotlib's globals
    titles = words
    for i, name in enumerate(CURVES):
        ax = fig.add_subplot(2, 2, i + 1)
        ys = [v / 100 for v in curves[name]] if name == "gmv" else curves[name]
        if name == "online":
            ax.plot(xs, ys, color="#2563eb", linewidth=1.8)
            ax.fill_between(xs, ys, color="#2563eb", alpha=0.15)
        else:
            ax.bar(xs, ys, color={"gmv": "#16a34a", "orders": "#ea580c", "likes": "#db2777"}[name], width=0.8)
        ax.set_title(titles[name], fontsize=10, **face)
        ax.set_xlabel(words["x"], fontsize=8, **face)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    session = report["session"]
    title = f"{words['session']} {session['id']} - {words['room']} {session['room']} - {session['started_at'][:16]}"
    fig.suptitle(title, fontsize=11, **face)
    if "figures" in report:
        f = report["figures"]
        fig.text(0.5, 0.005, words["figures"].format(
            gmv=f"{f['gmv'] / 100:g}", orders=f["orders"], peak_online=f["peak_online"],
            duration=duration_text(f["duration_s"]), avg_watch_s=f["avg_watch_s"]),
            ha="center", va="bottom", fontsize=9, **face)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
