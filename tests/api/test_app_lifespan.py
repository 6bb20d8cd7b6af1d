"""The API's lifespan closes the services its routes made before the runtime's connections close."""

from __future__ import annotations

import time

import httpx
import msgspec
from redis.asyncio import Redis

from livecore.api.app import build_app
from livecore.auth import issue
from livecore.config import Settings
from livecore.keys import Keys


async def test_shutdown_publishes_the_last_stock_before_closing(settings: Settings, migrated: str,
                                                                redis: Redis) -> None:
    app = build_app(settings)
    host = {"authorization": "Bearer " + issue(settings.secret, "h1", role="host", room="r1")}
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            sale = {"product": "p1", "price": 990, "quantity": 5, "per_user": 5,
                    "ends_at": int(time.time() * 1000) + 600_000}
            sid = (await c.post("/api/rooms/r1/sales", json=sale, headers=host)).json()["id"]
            for key in ("k1", "k2", "k3"):  # within the stock publisher's interval: the last one waits
                viewer = {"authorization": "Bearer " + issue(settings.secret, "ann")}
                assert (await c.post(f"/api/rooms/r1/sales/{sid}/buy", json={"key": key}, headers=viewer)).is_success
        assert [type(s).__name__ for s in app.state.services] == ["SalesService"]
    # the lifespan is over: whatever was still scheduled went out before the connections closed
    stock = await redis.hget(Keys(settings.key_prefix).room_state("r1"), f"stock:{sid}")
    assert stock is not None and msgspec.json.decode(stock) == 2
