"""Claiming a coupon over a real gateway: the room sees the batch issued, a viewer's claim is answered with
its claim id, a retry with the same key gets the same claim, and the remaining count reaches the room."""

import asyncio

import msgspec

from livecore.auth import issue
from livecore.client import LiveClient
from livecore.features.coupons.messages import Claim
from livecore.features.coupons.service import CouponBatchIn, CouponService
from livecore.protocol.server import Error, Frame, Result


async def test_claim_through_the_gateway(settings, runtime, gateway) -> None:  # type: ignore[no-untyped-def]
    host = CouponService(runtime)
    url = f"ws://127.0.0.1:{gateway.port}/ws"
    alice = await LiveClient(url, issue(settings.secret, "alice"), reconnect=False).connect()
    bob = await LiveClient(url, issue(settings.secret, "bob"), reconnect=False).connect()
    try:
        for client in (alice, bob):
            await client.join("r6")
        batch = await host.create_batch("r6", CouponBatchIn(kind="fixed", amount=300, total=1, duration_s=60,
                                                            valid_for_s=600), actor="h")
        events: list[dict] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while not any(e.get("type") == "coupon" for e in events):
            msg = await alice.next(max(0.1, deadline - loop.time()))
            assert loop.time() < deadline, "no coupon event"
            if isinstance(msg, Frame):
                events.extend(msgspec.json.decode(e) for e in msg.events)
        issued = next(e for e in events if e.get("type") == "coupon")
        assert issued.get("phase", "issued") == "issued" and issued["batch"] == batch["id"]
        assert issued["data"]["remaining"] == 1
        got = await alice.request(Claim(batch=batch["id"], key="tap-1"))
        assert isinstance(got, Result) and got.data["claim"].startswith(batch["id"])
        retry = await alice.request(Claim(batch=batch["id"], key="tap-1"))
        assert isinstance(retry, Result) and retry.data["claim"] == got.data["claim"] and retry.data["replayed"]
        late = await bob.request(Claim(batch=batch["id"], key="tap-1"))
        assert isinstance(late, Error) and late.code == "sold_out"
        deadline = loop.time() + 20
        key = f"coupon:{batch['id']}"
        while bob.state.get(key, {}).get("remaining") != 0:
            assert loop.time() < deadline, f"state not converged: {bob.state.get(key)}"
            await bob.next(0.2)
    finally:
        await alice.close()
        await bob.close()
        await host.close()
