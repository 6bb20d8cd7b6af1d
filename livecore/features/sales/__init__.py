"""Flash sales (秒杀): stock decided by ``sale_*.lua`` and ``order_*.lua``, orders persisted from the rooms'
order streams, payment and its timeouts."""

from ..base import Feature
from .messages import Buy

FEATURE = Feature(
    name="sales",
    messages=(Buy,),
    gateway="livecore.features.sales.part:SalesPart",
    routes=("livecore.api.sales_routes",),
    workers={
        "orders": "livecore.workers.orders:order_persister",
        "payment-timeouts": "livecore.workers.expiry:payment_timeouts",
        "sales": "livecore.workers.expiry:sale_scheduler",
    },
    state={"sale:{id}": "a sale's stock left, status and window"},
)
