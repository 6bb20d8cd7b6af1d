"""Room events: what travels inside a ``frame`` (server -> viewers) and through the room bus between processes.

Reliable events (gift, product, sale, coupon, lottery, order, live, moderation) are appended to the room's
event stream and carry an ``offset`` when delivered; lossy ones (barrage, share, follow, system notices) are
not replayed after a reconnect.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec


class _Event(msgspec.Struct, tag_field="type", omit_defaults=True):
    """Fields equal to their default are left out (a chat without ``role`` is a viewer's); the fields a
    low-rate event's meaning hangs on (``phase``, ``action``) have no default, so they are always sent."""

    ts: int = 0  # milliseconds since the epoch, set by the publisher
    offset: str | None = None  # set on reliable events as delivered


class ChatEvent(_Event, tag="chat"):
    id: str = ""
    user: str = ""
    name: str = ""
    text: str = ""
    role: str = "viewer"  # viewer | host | admin; host messages are never sampled


class GiftEvent(_Event, tag="gift"):
    id: str = ""
    user: str = ""
    name: str = ""
    gift: str = ""
    count: int = 1
    value: int = 0  # total value in cents


class ShareEvent(_Event, tag="share"):
    user: str = ""
    name: str = ""


class FollowEvent(_Event, tag="follow"):
    user: str = ""
    name: str = ""


class SystemEvent(_Event, tag="system"):
    kind: str = "notice"
    text: str = ""


class LiveEvent(_Event, tag="live", kw_only=True):
    phase: Literal["started", "ended"]
    session: str = ""
    title: str = ""


class ProductEvent(_Event, tag="product"):
    """A product pushed to screen (讲解中); ``product`` is null when the host clears it."""

    product: dict[str, Any] | None = None


class SaleEvent(_Event, tag="sale", kw_only=True):
    sale: str = ""
    phase: Literal["scheduled", "started", "sold_out", "ended"]
    data: dict[str, Any] = {}


class CouponEvent(_Event, tag="coupon", kw_only=True):
    batch: str = ""
    phase: Literal["issued", "ended", "exhausted"]
    data: dict[str, Any] = {}


class LotteryEvent(_Event, tag="lottery", kw_only=True):
    lottery: str = ""
    phase: Literal["opened", "drawn", "cancelled"]
    data: dict[str, Any] = {}  # opened: prize, winners, condition, ends_at, seed_hash; drawn: + seed, winners


class OrderEvent(_Event, tag="order"):
    """A paid order shown to the room ("xx just bought ..."), priority lane."""

    user: str = ""
    name: str = ""
    product: str = ""
    qty: int = 1


class ModerationEvent(_Event, tag="moderation", kw_only=True):
    action: Literal["delete", "pin", "unpin", "mute", "unmute"]
    msg: str = ""
    user: str = ""
    text: str = ""


RoomEvent = (
    ChatEvent | GiftEvent | ShareEvent | FollowEvent | SystemEvent | LiveEvent | ProductEvent | SaleEvent
    | CouponEvent | LotteryEvent | OrderEvent | ModerationEvent
)
