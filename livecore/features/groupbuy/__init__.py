"""Group-buy (拼团): the host offers a product at a group price for groups of k; a viewer opens a group or joins
one; the k-th join confirms every member's order together (成团), a group not full by its deadline dissolves and
gives every unit back. Decided by ``groupbuy_*.lua``, persisted from the rooms' group-buy streams."""

from ..base import Feature
from .events import GroupEvent
from .messages import GroupJoin, GroupOpen

FEATURE = Feature(
    name="groupbuy",
    messages=(GroupOpen, GroupJoin),
    events=(GroupEvent,),
    gateway="livecore.features.groupbuy.part:GroupBuyPart",
    routes=("livecore.features.groupbuy.routes",),
    workers={
        "groupbuy": "livecore.features.groupbuy.persist:persister",
        "groupbuy-timer": "livecore.features.groupbuy.settle:timer",
        "groupbuy-credit": "livecore.features.groupbuy.credit:crediter",
    },
    state={"groupbuy:{deal}": "a group deal: units left, counts, its open groups with members and 差N人"},
    restore="livecore.features.groupbuy.restore:restore",
    console="features/groupbuy/console.js",
    viewer="features/groupbuy/viewer.js",
)
