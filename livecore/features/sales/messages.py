"""The client message of flash sales (秒杀)."""

from __future__ import annotations

from ...protocol.client import ClientMsg
from ...protocol.limits import Qty


class Buy(ClientMsg, tag="buy"):
    sale: str
    key: str  # idempotency key chosen by the client; a retry returns the first answer
    qty: Qty = 1
    rid: str | None = None
