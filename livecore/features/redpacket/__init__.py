"""Red packets: rain (红包雨, tap targets during a 10-60 s window) and password packets (口令红包, unlocked by
sending a phrase in barrage). The split is verifiable (``split``); grabs are decided by ``redpacket_grab.lua``
and credited to the wallet ledger by the ``redpackets`` worker; ``redpacket-timer`` ends them."""

from ..base import Feature
from .events import RedPacketEvent
from .messages import Grab

FEATURE = Feature(
    name="redpacket",
    messages=(Grab,),
    events=(RedPacketEvent,),
    gateway="livecore.features.redpacket.part:RedPacketPart",
    routes=("livecore.features.redpacket.routes",),
    workers={"redpackets": "livecore.features.redpacket.worker:ledger_writer",
             "redpacket-timer": "livecore.features.redpacket.worker:end_timer"},
    restore="livecore.features.redpacket.restore:restore",
    state={"redpacket:{id}": "a red packet: kind, grabbed of count, window, seed hash; phrase senders (said) "
                             "for a password packet; at the end the seed, leftover and top grabbers"},
    commands={"verify-redpacket": ("livecore.features.redpacket.verify_cli",
                                   "recompute a red packet's split and check every amount credited")},
    console="features/redpacket/console.js",
    viewer="features/redpacket/viewer.js",
)
