"""The client message of coupons (限时优惠券)."""

from __future__ import annotations

from ...protocol.client import ClientMsg


class Claim(ClientMsg, tag="claim"):
    batch: str
    key: str
    rid: str | None = None
