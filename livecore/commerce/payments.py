"""Payment providers and the signature of their callbacks.

``SimulatedProvider`` charges instantly (demo and tests). A real provider confirms asynchronously: it calls
``POST /api/payments/callback`` with a JSON ``PaymentNotice`` signed with HMAC-SHA256 over the raw body
(header ``X-Livecore-Signature: sha256=<hex>``); the route verifies the signature before anything else.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Protocol

import msgspec

from ..config import Settings
from ..protocol.limits import Total

SIGNATURE_HEADER = "x-livecore-signature"


class PaymentNotice(msgspec.Struct, forbid_unknown_fields=False):
    """What a provider tells us about one payment."""

    order: str
    ref: str  # the provider's payment reference; the same ref twice is the same payment
    amount: Total  # cents charged
    status: str = "succeeded"  # succeeded | failed
    provider: str = "external"
    coupon: str | None = None  # claim id applied at checkout, if any


class PaymentProvider(Protocol):
    name: str

    async def charge(self, order_id: str, amount: int) -> str:
        """Charge ``amount`` cents for ``order_id``; returns the provider's reference."""
        ...


class SimulatedProvider:
    """Always succeeds at once; the reference is random."""

    name = "simulated"

    async def charge(self, order_id: str, amount: int) -> str:
        return "sim-" + secrets.token_hex(8)


def callback_secret(settings: Settings) -> bytes:
    return (settings.payment_secret or settings.secret + ":payments").encode()


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, signature: str | None) -> bool:
    if not signature:
        return False
    return hmac.compare_digest(sign(secret, body), signature.strip())
