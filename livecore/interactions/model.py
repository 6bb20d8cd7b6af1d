"""One interaction (pure data)."""

from __future__ import annotations

from enum import StrEnum

import msgspec


class Kind(StrEnum):
    ENTER = "enter"
    LEAVE = "leave"
    LIKE = "like"
    CHAT = "chat"
    SHARE = "share"
    FOLLOW = "follow"
    GIFT = "gift"
    CLICK = "click"
    CART = "cart"
    ORDER = "order"
    PAID = "paid"
    VOTE = "vote"  # a poll or quiz vote (livecore.features.polls)


class Interaction(msgspec.Struct, omit_defaults=True, array_like=True):
    """Stored as one msgpack field ``i`` per stream entry. ``id`` makes counting idempotent."""

    id: str
    kind: str
    room: str
    user: str
    ts: int  # milliseconds since the epoch
    count: int = 1  # likes in a burst, units ordered
    value: int = 0  # cents: gift value, order amount
    product: str = ""
    text: str = ""  # barrage text (keywords)
    session: str = ""  # live session id when known


encoder = msgspec.msgpack.Encoder()
decoder = msgspec.msgpack.Decoder(Interaction)
