"""Room state values of rankings and live figures: ``rank``, ``top`` (items) and ``metrics`` (host room)."""

from __future__ import annotations

from typing import Literal

import msgspec


class _State(msgspec.Struct, forbid_unknown_fields=True):
    pass


class RankState(_State):
    """``rank``: the room's place on the platform's hot rank and this hour's rank (``null``: not ranked)."""

    hot: int | None
    hourly: int | None
    hourly_value: int  # the room's score on the hourly rank


class TopEntry(_State):
    """One item of ``top``: a contributor of the session (gift value, cents), best first."""

    user: str
    name: str  # the display name, else the id
    value: int


class FunnelStep(_State):
    step: Literal["entered", "watched", "clicked", "ordered", "paid"]
    users: int
    ratio: float | None  # users / users of the previous step
    overall: float | None  # users / users of the first step


class FigureChange(_State):
    """A figure over the last window of minutes against the window before it."""

    last: float
    previous: float
    delta: float
    pct: float | None  # percent; null when the previous window was empty
    trend: Literal["up", "down", "flat"]


class MetricsState(_State):
    """``metrics`` (in ``host:<room>``): the host's live figures of the session (``session`` ``-``: none)."""

    room: str
    session: str
    ts: int
    online: int
    peak: int
    uv: int
    enters: int
    leaves: int
    likes: int
    comments: int
    shares: int
    follows: int
    gifts: int
    gift_value: int
    clicks: int
    carts: int
    orders: int
    order_value: int
    paid: int
    gmv: int
    units: int
    votes: int
    avg_watch_s: float
    funnel: list[FunnelStep]
    change: dict[str, FigureChange]  # counter name -> its change
