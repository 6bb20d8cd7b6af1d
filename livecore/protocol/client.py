"""Client -> server messages. One JSON object per text frame, tagged by ``type``.

``rid`` (request id) is optional on every request; when given, the answer (``result`` or ``error``) echoes it.
New fields always get defaults so that old clients keep working.
"""

from __future__ import annotations

import msgspec

from .limits import GiftCount, LikeCount, MuteS


class ClientMsg(msgspec.Struct, tag_field="type", forbid_unknown_fields=False, omit_defaults=True):
    """The base of every client message; features add theirs (``livecore.features``)."""


class Join(ClientMsg, tag="join"):
    room: str
    last_offset: str | None = None  # resume: replay reliable events after this offset
    rid: str | None = None


class Leave(ClientMsg, tag="leave"):
    rid: str | None = None


class Chat(ClientMsg, tag="chat"):
    """Barrage (弹幕)."""

    text: str
    rid: str | None = None


class Like(ClientMsg, tag="like"):
    count: LikeCount = 1  # a tap burst, 1..100


class Share(ClientMsg, tag="share"):
    channel: str = ""


class Follow(ClientMsg, tag="follow"):
    pass


class Gift(ClientMsg, tag="gift"):
    gift: str  # catalogue id, e.g. "rose"
    count: GiftCount = 1
    key: str | None = None  # idempotency key; a retry with the same key sends nothing twice
    rid: str | None = None


class Ping(ClientMsg, tag="ping"):
    t: float | None = None  # echoed in the pong


class Click(ClientMsg, tag="click"):
    """The viewer opened a product card (funnel step)."""

    product: str


class Cart(ClientMsg, tag="cart"):
    product: str


# -- host / admin actions (refused with ``forbidden`` for viewers) -----------------------------------
class Mute(ClientMsg, tag="mute"):
    user: str
    seconds: MuteS = 600
    rid: str | None = None


class Unmute(ClientMsg, tag="unmute"):
    user: str
    rid: str | None = None


class Delete(ClientMsg, tag="delete"):
    msg: str  # barrage message id
    rid: str | None = None


class Pin(ClientMsg, tag="pin"):
    msg: str | None = None  # message id to pin; None unpins
    text: str | None = None
    rid: str | None = None


CORE_MESSAGES: tuple[type[ClientMsg], ...] = (
    Join, Leave, Chat, Like, Share, Follow, Gift, Ping, Click, Cart, Mute, Unmute, Delete, Pin,
)
"""The messages the gateway answers itself; the features' messages join them in ``codec.CLIENT_MESSAGES``."""
