"""Over the WebSocket, a token bound to room B reaches neither room A (its join closes with 4503) nor room A's
coupon batches or lotteries from room B (they are not found there), like ``buy``."""

from __future__ import annotations

import asyncio
from typing import Any

from livecore.auth import issue
from livecore.client import LiveClient
from livecore.config import Settings
from livecore.features.coupons.messages import Claim
from livecore.features.coupons.service import CouponBatchIn, CouponService
from livecore.features.lottery.messages import Enter
from livecore.features.lottery.service import LotteryIn, LotteryService
from livecore.protocol import client as c
from livecore.protocol.server import Error, Result


async def until(predicate: Any, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_a_host_of_room_b_cannot_claim_or_enter_in_room_a(settings: Settings, runtime: Any,
                                                                gateway: Any) -> None:
    coupons, lotteries = CouponService(runtime), LotteryService(runtime)
    batch = await coupons.create_batch("ra", CouponBatchIn(kind="fixed", amount=300, total=5, duration_s=60,
                                                           valid_for_s=600), actor="ha")
    lottery = await lotteries.open("ra", LotteryIn(prize="x", condition="watch", watch_s=1, duration_s=60),
                                   "ha")
    url = f"ws://127.0.0.1:{gateway.port}/ws"
    host_b = await LiveClient(url, issue(settings.secret, "hb", role="host", room="rb"), reconnect=False).connect()
    intruder = await LiveClient(url, issue(settings.secret, "hb", role="host", room="rb"),
                                reconnect=False).connect()
    viewer = await LiveClient(url, issue(settings.secret, "v1"), reconnect=False).connect()
    try:
        await host_b.join("rb")
        claim = await host_b.request(Claim(batch=batch["id"], key="k"))
        assert isinstance(claim, Error) and claim.code == "not_found"
        enter = await host_b.request(Enter(lottery=lottery["id"]))
        assert isinstance(enter, Error) and enter.code == "not_found"
        await intruder.send(c.Join(room="ra"))
        await until(lambda: intruder.close_code is not None)
        assert intruder.close_code == 4503
        await viewer.join("ra")  # a viewer token allows any room: the same batch is claimable there
        assert isinstance(await viewer.request(Claim(batch=batch["id"], key="k")), Result)
    finally:
        for client in (host_b, intruder, viewer):
            await client.close()
        await coupons.close()
        await lotteries.close()
