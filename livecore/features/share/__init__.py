"""Share attribution (分享裂变) and friends' help (好友助力): signed share codes per channel, first-touch
attribution within a window (``share_visit.lua``), orders credited to referrers once (``share_credit.lua`` from
the orders streams), ``share`` taps counted per channel, helps unlocking a coupon (``share_help.lua``), all
persisted through the room's share outbox."""

from ..base import Feature
from .messages import HelpFriend, HelpStatus, ShareCodeAsk, ShareVisit

FEATURE = Feature(
    name="share",
    messages=(ShareCodeAsk, ShareVisit, HelpFriend, HelpStatus),
    gateway="livecore.features.share.part:SharePart",
    routes=("livecore.features.share.routes",),
    workers={
        "share": "livecore.features.share.worker:share_persister",
        "share-orders": "livecore.features.share.worker:order_crediter",
        "share-taps": "livecore.features.share.worker:share_tally",
    },
    state={"share:help": "the room's help campaign (好友助力): id, need, coupon batch, title"},
    console="features/share/console.js",
    viewer="features/share/viewer.js",
)
