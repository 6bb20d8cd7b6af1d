"""Pure figures of the share funnel: the counts per channel from the funnel hash, the fission coefficient."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .codes import CHANNELS

STEPS: tuple[str, ...] = ("codes", "shares", "visits", "new", "joins", "orders", "gmv")
"""codes: links made; shares: ``share`` taps after a code; visits: distinct (viewer, sharer) openings of a link;
new: viewers attributed to a sharer (first touch); joins: group joins through a code; orders / gmv: paid orders
and paid group-buy member orders credited to a referrer, and their amount (cents)."""


def funnel(raw: Mapping[str, int], sharers: int) -> dict[str, Any]:
    """Per channel and in total; ``fission`` = new viewers brought per sharer (0 without sharers)."""
    channels = []
    total = dict.fromkeys(STEPS, 0)
    for ch in CHANNELS:
        row: dict[str, Any] = {"channel": ch}
        for step in STEPS:
            n = int(raw.get(f"{ch}:{step}", 0))
            row[step] = n
            total[step] += n
        channels.append(row)
    fission = round(total["new"] / sharers, 3) if sharers else 0.0
    return {"channels": channels, "total": total, "sharers": sharers, "fission": fission}


def link(room: str, code: str, group: str | None = None, *, param: str = "share") -> str:
    """The path a share code travels in: ``/room/<room>?share=<code>[&group=<id>]`` (``param="help"`` for help)."""
    tail = f"&group={group}" if group else ""
    return f"/room/{room}?{param}={code}{tail}"


def progress(helps: int, need: int, unlocked: bool) -> dict[str, int | bool]:
    """"N friends helped, M to go"."""
    return {"helps": helps, "need": need, "to_go": max(0, need - helps), "unlocked": unlocked}
