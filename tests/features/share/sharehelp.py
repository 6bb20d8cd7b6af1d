"""What the share tests share: the start instant, the attribution window they run with, a sale spec."""

from __future__ import annotations

from livecore.commerce.model import SaleSpec

T0 = 1_800_000_000.0  # seconds; every share test starts here
WINDOW_S = 3600


def sale_spec(quantity: int = 20, price: int = 1000) -> SaleSpec:
    now = int(T0 * 1000)
    return SaleSpec(product="p1", price=price, quantity=quantity, per_user=5, ends_at=now + 10 * WINDOW_S * 1000)
