"""Lottery draws (福袋): entries by button, keyword or follow, a verifiable draw, the timer that closes them."""

from ..base import Feature
from .messages import Enter

FEATURE = Feature(
    name="lottery",
    messages=(Enter,),
    gateway="livecore.features.lottery.part:LotteryPart",
    routes=("livecore.api.lottery_routes",),
    workers={"lotteries": "livecore.commerce.lottery:lottery_timer"},
    state={"lottery": "the room's current lottery: prize, condition, entries, result"},
)
