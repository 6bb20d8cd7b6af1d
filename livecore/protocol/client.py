"""Client -> server messages. One JSON object per text frame, tagged by ``type``.

``rid`` (request id) is optional on every request; when given, the answer (``result`` or ``error``) echoes it.
New fields always get defaults so that old clients keep working.
"""

from __future__ import annotations

import msgspec

from .limits import GiftCount, LikeCount, MuteS, Qty


class _Msg(msgspec.Struct, tag_field="type", forbid_unknown_fields=False, omit_defaults=True):
    pass


class Join(_Msg, tag="join"):
    room: str
    last_offset: str | None = None  # resume: replay reliable events after this offset
    rid: str | None = None


class Leave(_Msg, tag="leave"):
    rid: str | None = None


class Chat(_Msg, tag="chat"):
    """Barrage (弹幕)."""

    text: str
    rid: str | None = None


class Like(_Msg, tag="like"):
    count: LikeCount = 1  # a tap burst, 1..100


class Share(_Msg, tag="share"):
    channel: str = ""


class Follow(_Msg, tag="follow"):
    pass


class Gift(_Msg, tag="gift"):
    gift: str  # catalogue id, e.g. "rose"
    count: GiftCount = 1
    key: str | None = None  # idempotency key; a retry with the same key sends nothing twice
    rid: str | None = None


class Ping(_Msg, tag="ping"):
    t: float | None = None  # echoed in the pong


class Click(_Msg, tag="click"):
    """The viewer opened a product card (funnel step)."""

    product: str


class Cart(_Msg, tag="cart"):
    product: str


class Buy(_Msg, tag="buy"):
    sale: str
    key: str  # idempotency key chosen by the client; a retry returns the first answer
    qty: Qty = 1
    rid: str | None = None


class Claim(_Msg, tag="claim"):
    batch: str
    key: str
    rid: str | None = None


class Enter(_Msg, tag="enter"):
    """Enter a lottery draw (福袋)."""

    lottery: str
    rid: str | None = None


# -- host / admin actions (refused with ``forbidden`` for viewers) -----------------------------------
class Mute(_Msg, tag="mute"):
    user: str
    seconds: MuteS = 600
    rid: str | None = None


class Unmute(_Msg, tag="unmute"):
    user: str
    rid: str | None = None


class Delete(_Msg, tag="delete"):
    msg: str  # barrage message id
    rid: str | None = None


class Pin(_Msg, tag="pin"):
    msg: str | None = None  # message id to pin; None unpins
    text: str | None = None
    rid: str | None = None


ClientMessage = (
    Join | Leave | Chat | Like | Share | Follow | Gift | Ping | Click | Cart | Buy | Claim | Enter
    | Mute | Unmute | Delete | Pin
)

CLIENT_TYPES: frozenset[str] = frozenset(
    t.__struct_config__.tag for t in ClientMessage.__args__
)
