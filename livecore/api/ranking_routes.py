"""Rankings, live metrics, keywords and the post-live report.

    GET /api/rankings/hot?n=10                        platform hot ranking (人气榜): position, room, hot value now
    GET /api/rankings/hourly?hour=&n=10               hourly gift ranking (小时榜); hour: index or ISO time (now)
    GET /api/rooms/{room}/rank                        the room's position in both rankings
    GET /api/rooms/{room}/metrics          (host)     live metrics: online/peak/UV, totals, funnel, 10-min changes
    GET /api/rooms/{room}/contributors?n=10&session=  gift value per viewer in the (current) session
    GET /api/rooms/{room}/products/ranking?n=20&session=  products by paid GMV and by units
    GET /api/rooms/{room}/keywords                    barrage keywords of the sliding window (top 30, weights)
    GET /api/rooms/{room}/sessions/{sid}/report      (host)  JSON: curves (up to the last written minute), figures
                                                     (gmv, orders, peak_online, duration_s, avg_watch_s), funnel,
                                                     top products/contributors, keywords
    GET /api/rooms/{room}/sessions/{sid}/report.png?lang=zh|en  (host)  the curves as a PNG chart, labelled in
                                                     Chinese (when a CJK font is installed) or English

Money is in cents. Host endpoints take ``Authorization: Bearer`` or ``?token=`` (so an ``<img>`` can load the PNG).
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..core import hourly
from ..core.keywords import KeywordExtractor, in_window
from ..protocol.codes import ErrorCode
from ..ranking.report import SessionNotFound, build_report, render_png
from ..ranking.store import RankingStore
from ..runtime import Runtime
from .deps import ApiError, json, require_host, runtime


def _store(rt: Runtime) -> RankingStore:
    return RankingStore(rt.redis, rt.keys, rt.settings.hot_half_life_s)


def _now_ms(rt: Runtime) -> int:
    return int(rt.clock.now() * 1000)


def _n(request: Request, default: int, top: int = 100) -> int:
    raw = request.query_params.get("n")
    if raw is None:
        return default
    try:
        n = int(raw)
    except ValueError:
        raise ApiError(ErrorCode.INVALID, "n must be an integer") from None
    if not 1 <= n <= top:
        raise ApiError(ErrorCode.INVALID, f"n must be between 1 and {top}")
    return n


async def _session(request: Request, store: RankingStore, room: str) -> str:
    return request.query_params.get("session") or await store.current_session(room)


async def hot(request: Request) -> Response:
    rt = runtime(request)
    now = _now_ms(rt)
    return json({"ts": now, "half_life_s": rt.settings.hot_half_life_s,
                 "rooms": await _store(rt).hot_top(_n(request, 10), now)})


async def hourly_ranking(request: Request) -> Response:
    rt = runtime(request)
    raw = request.query_params.get("hour")
    try:
        hour = hourly.parse_hour(raw) if raw else hourly.hour_of(_now_ms(rt))
    except ValueError:
        raise ApiError(ErrorCode.INVALID, "hour must be an hour index or an ISO date-time") from None
    return json({"hour": hour, "start": hourly.format_hour(hour),
                 "rooms": await _store(rt).hourly_top(hour, _n(request, 10))})


async def room_rank(request: Request) -> Response:
    rt = runtime(request)
    return json(await _store(rt).room_rank(request.path_params["room"], _now_ms(rt)))


async def metrics(request: Request) -> Response:
    room = request.path_params["room"]
    require_host(request, room)
    rt = runtime(request)
    store = _store(rt)
    return json(await store.metrics(room, _now_ms(rt), await _session(request, store, room)))


async def contributors(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    store = _store(rt)
    session = await _session(request, store, room)
    return json({"room": room, "session": session,
                 "contributors": await store.contributors(room, session, _n(request, 10))})


async def products(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    store = _store(rt)
    session = await _session(request, store, room)
    return json({"room": room, "session": session, **await store.products(room, session, _n(request, 20))})


def _extractor(request: Request) -> KeywordExtractor:
    """One extractor per app (jieba's dictionary takes a second to load), created on first use."""
    state = request.app.state
    kx = getattr(state, "keyword_extractor", None)
    if kx is None:
        kx = KeywordExtractor()
        state.keyword_extractor = kx
    return kx


async def keywords(request: Request) -> Response:
    rt = runtime(request)
    room = request.path_params["room"]
    store = _store(rt)
    stored = await store.keywords(room)
    if stored is None:
        now = _now_ms(rt)
        texts = in_window(await store.chat_entries(room), now, rt.settings.keyword_window_s)
        top = await asyncio.to_thread(_extractor(request).top, texts) if texts else []
        stored = {"ts": now, "window_s": rt.settings.keyword_window_s, "texts": len(texts),
                  "keywords": [k.as_dict() for k in top]}
    return json({"room": room, **stored})


async def _report(request: Request) -> dict[str, object]:
    room = request.path_params["room"]
    require_host(request, room)
    rt = runtime(request)
    if rt.db is None:
        raise ApiError(ErrorCode.UNAVAILABLE, "the report needs the database")
    try:
        return await build_report(rt.db, _store(rt), room, request.path_params["sid"], _now_ms(rt),
                                  keyword_window_s=rt.settings.keyword_window_s)
    except SessionNotFound:
        raise ApiError(ErrorCode.NOT_FOUND, "no such live session in this room") from None


async def report(request: Request) -> Response:
    return json(await _report(request))


async def report_png(request: Request) -> Response:
    lang = "en" if request.query_params.get("lang", "zh") == "en" else "zh"  # the pages' rule: Chinese unless en
    png = await asyncio.to_thread(render_png, await _report(request), lang)
    return Response(png, media_type="image/png", headers={"cache-control": "no-store"})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/rankings/hot", hot),
        Route("/api/rankings/hourly", hourly_ranking),
        Route("/api/rooms/{room}/rank", room_rank),
        Route("/api/rooms/{room}/metrics", metrics),
        Route("/api/rooms/{room}/contributors", contributors),
        Route("/api/rooms/{room}/products/ranking", products),
        Route("/api/rooms/{room}/keywords", keywords),
        Route("/api/rooms/{room}/sessions/{sid}/report", report),
        Route("/api/rooms/{room}/sessions/{sid}/report.png", report_png),
    ]
