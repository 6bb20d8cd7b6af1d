"""Redis key names of sales and orders. Every key of a sale or an order lives under its room's hash tag, so
each script touches one Redis Cluster slot; the two global keys are only read by sweepers."""

from __future__ import annotations

from dataclasses import dataclass

from ..idem import idem_id
from ..keys import Keys


@dataclass(frozen=True, slots=True)
class SaleKeys:
    keys: Keys

    def sale(self, room: str, sale: str) -> str:
        """Hash: room, product, sku, title, price, quantity, per_user, starts_at, ends_at (ms), phase, sold."""
        return self.keys.room(room, "sale", sale)

    def stock(self, room: str, sale: str) -> str:
        return self.keys.room(room, "sale", sale, "stock")

    def users(self, room: str, sale: str) -> str:
        """Hash user -> units bought (reserved or paid), for the per-user limit."""
        return self.keys.room(room, "sale", sale, "users")

    def idem(self, room: str, sale: str, user: str, key: str) -> str:
        """This attempt's idempotency record (``livecore.idem.idem_id`` names the user and key pair)."""
        return self.keys.room(room, "sale", sale, "idem", idem_id(user, key))

    def sale_orders(self, room: str, sale: str) -> str:
        """Set of every order id the sale created (reconciliation)."""
        return self.keys.room(room, "sale", sale, "orders")

    def room_sales(self, room: str) -> str:
        return self.keys.room(room, "sales")

    def order(self, room: str, order: str) -> str:
        return self.keys.room(room, "order", order)

    def orders_stream(self, room: str) -> str:
        """The room's outbox of order lifecycle entries (order / paid / expired)."""
        return self.keys.room(room, "orders")

    def unreleased(self, room: str) -> str:
        """Set of the room's expired orders whose coupon (if any) has not been given back yet."""
        return self.keys.room(room, "orders", "unreleased")

    def deadlines(self, room: str) -> str:
        """Zset order id -> payment deadline (ms) of the room's reserved orders."""
        return self.keys.room(room, "orders", "deadlines")

    def buyers(self, room: str) -> str:
        return self.keys.room(room, "buyers")

    # -- global, read by sweepers --------------------------------------------------------------------
    def order_rooms(self) -> str:
        """Set of rooms that have an orders stream (the order worker discovers streams here)."""
        return self.keys.global_key("orders", "rooms")

    def sale_timeline(self) -> str:
        """Zset ``<room>|<sale>`` -> next start or end (ms) the sale scheduler must announce."""
        return self.keys.global_key("sales", "timeline")

    def interaction_rooms(self) -> str:
        return self.keys.global_key("ix", "rooms")
