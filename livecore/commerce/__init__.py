"""Commerce: flash sales, orders and payment, and what coupons and lotteries share with them (ids, the
throttled state publisher, restore and reconciliation). Coupons and lotteries live in ``livecore.features``.

Every decision that touches stock is one Lua script (``livecore/scripts/sale_*.lua``, ``order_*.lua``);
the services here build keys and arguments, interpret answers and publish the room-facing effects. The
rooms' order streams are the outbox persisted to PostgreSQL by ``livecore.workers``.
"""
