"""The gateway exposes Prometheus metrics on its own port."""

from __future__ import annotations

import asyncio
import urllib.request
from typing import Any

from gwhelpers import token, url

from livecore.client import LiveClient
from livecore.protocol import client as c


def _get(port: int, path: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read().decode()


async def test_metrics_count_connections_and_refusals(start_gateway: Any, settings: Any) -> None:
    gw = await start_gateway()
    viewer = LiveClient(url(gw.port), token(settings, "m1"))
    await viewer.connect()
    await viewer.join("9")
    await viewer.send(c.Chat(text="x" * (settings.chat_max_chars + 1)))
    for _ in range(100):
        if gw.stats.refused:
            break
        await asyncio.sleep(0.02)
    status, ctype, text = await asyncio.to_thread(_get, gw.port, "/metrics")
    await viewer.close()
    assert status == 200 and ctype.startswith("text/plain")
    assert "livecore_gateway_connections 1.0" in text
    assert "livecore_gateway_rooms 1.0" in text
    assert 'livecore_gateway_refused_total{code="too_long"} 1.0' in text
