"""Lottery draws (福袋): entries by button, keyword or follow, a verifiable draw, the timer that closes them."""

from ..base import Feature
from .messages import Enter

FEATURE = Feature(
    name="lottery",
    messages=(Enter,),
    gateway="livecore.features.lottery.part:LotteryPart",
    routes=("livecore.features.lottery.routes",),
    workers={"lotteries": "livecore.features.lottery.service:lottery_timer"},
    restore="livecore.features.lottery.restore:restore",
    state={"lottery": "the room's current lottery: prize, condition, entries, result"},
)
