"""Time-limited coupons (限时优惠券): claims decided by ``coupon_*.lua``, persisted by the claims worker."""

from ..base import Feature
from .messages import Claim

FEATURE = Feature(
    name="coupons",
    messages=(Claim,),
    gateway="livecore.features.coupons.part:CouponsPart",
    routes=("livecore.features.coupons.routes",),
    workers={"claims": "livecore.features.coupons.service:claims_persister"},
    restore="livecore.features.coupons.restore:restore",
    state={"coupon:{id}": "a coupon batch's coupons left and window"},
)
