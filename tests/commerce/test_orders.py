"""Payment and expiry on real Redis and PostgreSQL: exactly-once stock return, also when they race."""

from __future__ import annotations

import asyncio
import dataclasses

from livecore.clock import ManualClock
from livecore.commerce.orders import OrderService
from livecore.commerce.payments import PaymentNotice, callback_secret, sign, verify
from livecore.commerce.sale_keys import SaleKeys
from livecore.core.outcome import RefusedError, accepted
from livecore.interactions.model import decoder as interaction_decoder
from livecore.workers.expiry import PaymentTimeouts
from livecore.workers.orders import order_persister


async def _stock(rt, room: str, sale: str) -> int:  # type: ignore[no-untyped-def]
    return int(await rt.redis.get(SaleKeys(rt.keys).stock(room, sale)))


async def test_paying_a_reserved_order_is_persisted_with_its_history(crt, sales, orders, db, make_spec) -> None:  # type: ignore[no-untyped-def]
    sale = await sales.create("r1", make_spec(quantity=5, price=1000, per_user=2), "host")
    bought = await sales.buy("r1", "ann", sale["id"], "k", qty=2)
    assert (await orders.pay(bought["order"], "bob")).code == "forbidden"
    paid = await orders.pay(bought["order"], "ann")
    assert accepted(paid) and paid["order"]["status"] == "paid" and paid["order"]["paid_amount"] == 2000
    again = await orders.pay(bought["order"], "ann")
    assert accepted(again) and again["replayed"]
    assert await order_persister(crt, "w").drain() == 2
    row = await db.fetchrow("SELECT * FROM orders")
    assert (row["id"], row["status"], row["qty"], row["amount"], row["paid_amount"]) == (
        bought["order"], "paid", 2, 2000, 2000)
    history = [r["status"] for r in await db.fetch("SELECT status FROM order_status_history ORDER BY stream_id")]
    assert history == ["reserved", "paid"]
    assert await db.fetchval("SELECT count(*) FROM payments WHERE order_id = $1", bought["order"]) == 1
    kinds = [interaction_decoder.decode(f[b"i"]).kind for _, f in await crt.redis.xrange(crt.keys.interactions("r1"))]
    assert kinds == ["order", "paid"]
    events = [e for _, e in await crt.redis.xrange(crt.keys.room_events("r1"))]
    assert any(b'"type":"order"' in e[b"e"] for e in events)


async def test_an_unpaid_order_expires_and_returns_its_stock_exactly_once(  # type: ignore[no-untyped-def]
        crt, sales, orders, clock, db, make_spec) -> None:
    window = crt.settings.payment_window_s
    sale = await sales.create("r1", make_spec(quantity=3, per_user=1, lasts_ms=10 * window * 1000), "host")
    sid = sale["id"]
    bought = await sales.buy("r1", "ann", sid, "k")
    assert (await sales.buy("r1", "ann", sid, "k2")).code == "limit_reached"
    assert await _stock(crt, "r1", sid) == 2
    sweeper = PaymentTimeouts(crt, orders)
    clock.advance(window - 0.001)  # 1 ms before the deadline: nothing expires
    assert await sweeper.run_once() == 0
    clock.advance(0.001)  # at the deadline
    assert (await orders.pay(bought["order"], "ann")).code == "expired"
    results = await asyncio.gather(*(sweeper.run_once() for _ in range(5)), orders.expire(bought["order"]))
    assert sum(int(r) for r in results) == 1
    assert await _stock(crt, "r1", sid) == 3
    assert not await orders.expire(bought["order"])
    assert await _stock(crt, "r1", sid) == 3
    assert (await orders.get(bought["order"]))["status"] == "expired"
    assert (await orders.pay(bought["order"], "ann")).code == "expired"
    assert accepted(await sales.buy("r1", "ann", sid, "k3"))  # the user's limit came back with the stock
    await orders.stock.flush()
    assert (await crt.bus.state("r1"))[f"stock:{sid}"] == 2
    await order_persister(crt, "w").drain()
    row = await db.fetchrow("SELECT status, expired_at FROM orders WHERE id = $1", bought["order"])
    assert row["status"] == "expired" and row["expired_at"] is not None
    history = {r["status"] for r in await db.fetch(
        "SELECT status FROM order_status_history WHERE order_id = $1", bought["order"])}
    assert history == {"reserved", "expired"}


async def test_expiry_and_a_late_payment_racing_settle_each_order_exactly_once(crt, sales, db, make_spec) -> None:  # type: ignore[no-untyped-def]
    n = 200
    window_ms = crt.settings.payment_window_s * 1000
    sale = await sales.create("r1", make_spec(quantity=n, per_user=1, lasts_ms=10 * window_ms), "host")
    sid = sale["id"]
    bought = await asyncio.gather(*(sales.buy("r1", f"u{i}", sid, "k") for i in range(n)))
    assert all(accepted(b) for b in bought)
    assert await _stock(crt, "r1", sid) == 0
    deadline_s = bought[0]["expires_at"] / 1000
    # the payer's clock reads 1 ms before the deadline, the sweeper's reads the deadline: both are entitled
    # to act, and only the order's status in Redis decides who was first
    payer = OrderService(dataclasses.replace(crt, clock=ManualClock(start=deadline_s - 0.001)))
    expirer = OrderService(dataclasses.replace(crt, clock=ManualClock(start=deadline_s)))

    gate = asyncio.Semaphore(30)  # the runtime's Redis pool holds 100 connections

    async def race(i: int) -> tuple[bool, bool]:
        oid = bought[i]["order"]
        async with gate:
            pay, expired = await asyncio.gather(payer.pay(oid, f"u{i}"), expirer.expire(oid))
        return bool(accepted(pay)), bool(expired)

    outcomes = await asyncio.gather(*(race(i) for i in range(n)))
    assert all(p != e for p, e in outcomes), "every order is either paid or expired, never both nor neither"
    n_expired = sum(e for _, e in outcomes)
    assert 0 < n_expired < n or n_expired in (0, n)
    assert await _stock(crt, "r1", sid) == n_expired
    assert int(await crt.redis.hget(SaleKeys(crt.keys).sale("r1", sid), "sold")) == n - n_expired
    # nothing changes when both try again
    again = [await expirer.expire(b["order"]) for b in bought]
    assert not any(again) and await _stock(crt, "r1", sid) == n_expired
    await order_persister(crt, "w").drain()
    counts = dict(await db.fetch("SELECT status, count(*) FROM orders GROUP BY status"))
    assert counts == {k: v for k, v in {"paid": n - n_expired, "expired": n_expired}.items() if v}
    await payer.stock.flush()
    await expirer.stock.flush()


async def test_a_signed_provider_callback_settles_the_order(crt, sales, orders, make_spec) -> None:  # type: ignore[no-untyped-def]
    sale = await sales.create("r1", make_spec(quantity=2, price=500), "host")
    bought = await sales.buy("r1", "ann", sale["id"], "k")
    secret = callback_secret(crt.settings)
    body = b'{"order":"%s","ref":"ext-1","amount":500}' % bought["order"].encode()
    assert verify(secret, body, sign(secret, body))
    assert not verify(secret, body + b" ", sign(secret, body))
    assert not verify(b"other", body, sign(secret, body))
    assert not verify(secret, body, None)
    done = await orders.confirm(PaymentNotice(order=bought["order"], ref="ext-1", amount=500))
    assert accepted(done) and done["order"]["payment_ref"] == "ext-1"
    assert (await orders.confirm(PaymentNotice(order=bought["order"], ref="ext-1", amount=500)))["replayed"]
    assert (await orders.confirm(PaymentNotice(order=bought["order"], ref="ext-2", amount=500))).code == "already"


async def test_a_coupon_of_an_order_that_expired_comes_back_even_if_the_expiring_process_died(
        crt, sales, orders, clock, make_spec) -> None:  # type: ignore[no-untyped-def]
    from livecore.features.coupons.service import CouponBatchIn, CouponService

    coupons = CouponService(crt)
    now = int(clock.now() * 1000)
    batch = await coupons.create_batch("r1", CouponBatchIn(kind="fixed", amount=500, total=5, per_user=1,
                                                           starts_at=now, ends_at=now + 600_000,
                                                           valid_for_s=7200), actor="host")
    claim = (await coupons.claim("r1", "ann", batch["id"], "c1"))["claim"]
    sale = await sales.create("r1", make_spec(quantity=3, lasts_ms=10 * crt.settings.payment_window_s * 1000), "h")
    order = (await sales.buy("r1", "ann", sale["id"], "k"))["order"]
    assert await coupons.redeem("ann", claim, order, 1999) == 500  # then the payment never completes
    clock.advance(crt.settings.payment_window_s)
    k = orders.k
    # the expiring process runs the script, then dies before giving the coupon back
    done = await crt.scripts.call("order_expire", keys=[
        k.order("r1", order), k.stock("r1", sale["id"]), k.users("r1", sale["id"]), k.sale("r1", sale["id"]),
        k.deadlines("r1"), k.orders_stream("r1"), k.unreleased("r1")],
        args=[order, sale["id"], int(clock.now() * 1000), crt.settings.order_stream_maxlen])
    assert done[0] == b"expired"
    second = (await sales.buy("r1", "bob", sale["id"], "k2"))["order"]
    try:
        await coupons.redeem("ann", claim, second, 1999)
        raise AssertionError("the coupon is still held by the expired order")
    except RefusedError:
        pass
    await PaymentTimeouts(crt, orders).run_once()  # the next sweep finishes the job
    assert not await crt.redis.smembers(k.unreleased("r1"))
    assert await coupons.redeem("ann", claim, second, 1999) == 500  # usable again, once
    await coupons.close()


async def test_order_and_payment_interactions_belong_to_the_live_session_and_never_to_an_ended_one(
        crt, sales, orders, make_spec) -> None:  # type: ignore[no-untyped-def]
    await crt.bus.set_state("r1", {"live": True, "session": "s1"})
    sale = await sales.create("r1", make_spec(quantity=9, price=1000, per_user=2), "host")
    ann = await sales.buy("r1", "ann", sale["id"], "k")
    cat = await sales.buy("r1", "cat", sale["id"], "k")
    dan = await sales.buy("r1", "dan", sale["id"], "k")
    assert accepted(await orders.pay(ann["order"], "ann"))  # paid while s1 is live: s1's
    await crt.bus.set_state("r1", {"live": False})  # s1 ended (its id stays in the state)
    assert accepted(await orders.pay(cat["order"], "cat"))  # paid after the end: no session
    offline = await sales.buy("r1", "eve", sale["id"], "k")  # bought while offline: no session
    await crt.bus.set_state("r1", {"live": True, "session": "s2"})  # the next show
    assert accepted(await orders.pay(dan["order"], "dan"))  # an s1 order paid during s2: s1 ended, so no session
    later = await sales.buy("r1", "bob", sale["id"], "k")
    found = [interaction_decoder.decode(f[b"i"]) for _, f in await crt.redis.xrange(crt.keys.interactions("r1"))]
    assert [(i.kind, i.user, i.session) for i in found] == [
        ("order", "ann", "s1"), ("order", "cat", "s1"), ("order", "dan", "s1"), ("paid", "ann", "s1"),
        ("paid", "cat", "-"), ("order", "eve", "-"), ("paid", "dan", "-"), ("order", "bob", "s2")]
    assert accepted(later) and accepted(offline)
