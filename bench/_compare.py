"""``--transport`` and ``--compare``: the same benchmark on the gateway's two WebSocket servers, back to back.

Each run is the benchmark's own ``run`` with ``LIVECORE_GATEWAY_TRANSPORT`` set for the gateways it starts;
the report keeps both runs whole and adds, for each figure named, the ratio first run / second run.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from livecore.config import Settings

TRANSPORTS = ("picows", "websockets")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--transport", choices=TRANSPORTS,
                   help="the gateways' WebSocket server (default: LIVECORE_GATEWAY_TRANSPORT, else picows)")
    p.add_argument("--compare", choices=TRANSPORTS, metavar="TRANSPORT",
                   help="then run again on this transport and report both runs and their ratios")


def chosen(args: argparse.Namespace, settings: Settings) -> Settings:
    return settings.with_(gateway_transport=args.transport) if args.transport else settings


async def compare(run: Callable[[argparse.Namespace, Settings], Awaitable[dict[str, Any]]],
                  args: argparse.Namespace, settings: Settings, figures: Iterable[str]) -> dict[str, Any]:
    first = chosen(args, settings).gateway_transport
    second = args.compare
    if second == first:
        raise SystemExit(f"--compare {second}: the first run already uses {first}")
    reports = {}
    for name in (first, second):
        reports[name] = await run(args, settings.with_(gateway_transport=name))
        reports[name]["transport"] = name
        reports[name]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    return {"transports": [first, second], "runs": reports,
            "ratios": ratios(reports[first], reports[second], figures)}


def ratios(a: dict[str, Any], b: dict[str, Any], figures: Iterable[str]) -> dict[str, float | None]:
    """``<figure>_x``: the first run's figure over the second's (None where either is missing or zero)."""
    out: dict[str, float | None] = {}
    for key in figures:
        x, y = a.get(key), b.get(key)
        out[f"{key}_x"] = round(x / y, 3) if isinstance(x, int | float) and isinstance(y, int | float) and y else None
    return out
