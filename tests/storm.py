"""A purchase storm that records what every buyer was told, and the audit of PostgreSQL against it.

Each buyer owns one idempotency key and retries it (``unavailable``, a lost connection, a timeout) until it gets
a definite answer or gives up; ``Storm.buy`` may be replaced mid-storm (clients moving to another gateway, a
promoted replica). ``audit`` then checks the promises: no oversell, every order a buyer was told is in
PostgreSQL, no user with two orders for one key, each buyer's order is the one it was told.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from livecore.core.outcome import Refusal, accepted
from livecore.protocol.codes import ErrorCode

Buy = Callable[[str, str], Awaitable[dict[str, Any] | Refusal]]  # (user, key) -> the answer (a result or a refusal)

DEFINITE = frozenset({"sold_out", "limit_reached", "ended", "not_found", "invalid", "already"})


@dataclass
class Buyer:
    user: str
    key: str
    answers: list[str] = field(default_factory=list)  # "ok" or the refusal code, in order
    orders: list[str] = field(default_factory=list)  # every order id it was told (more than one is a broken promise)
    final: str = ""  # ok | a definite refusal | gave_up


class Storm:
    def __init__(self, buy: Buy, buyers: int, *, first: int = 0, prefix: str = "b", spread_s: float = 1.0,
                 pause_s: float = 0.05, give_up_s: float = 30.0, answer_timeout_s: float = 10.0) -> None:
        self.buy = buy
        self.buyers = [Buyer(f"{prefix}{i}", f"key-{prefix}{i}") for i in range(first, first + buyers)]
        self.spread_s = spread_s
        self.pause_s = pause_s
        self.give_up_s = give_up_s
        self.answer_timeout_s = answer_timeout_s

    async def run(self, buyers: list[Buyer] | None = None) -> None:
        """Every buyer (or those given, e.g. again after a restore), their starts spread over ``spread_s``."""
        group = self.buyers if buyers is None else buyers
        n = max(1, len(group))
        await asyncio.gather(*(self._one(b, self.spread_s * i / n) for i, b in enumerate(group)))

    async def _one(self, b: Buyer, delay: float) -> None:
        await asyncio.sleep(delay)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.give_up_s
        while True:
            try:
                answer = await asyncio.wait_for(self.buy(b.user, b.key), self.answer_timeout_s)
            except Exception as exc:
                answer = Refusal(ErrorCode.UNAVAILABLE, repr(exc))
            if accepted(answer):
                b.answers.append("ok")
                if answer["order"] not in b.orders:
                    b.orders.append(answer["order"])
                b.final = "ok"
                return
            assert isinstance(answer, Refusal), answer
            code = answer.code.value
            b.answers.append(code)
            if code in DEFINITE:
                b.final = code
                return
            if loop.time() >= deadline:
                b.final = "gave_up"
                return
            await asyncio.sleep(self.pause_s)

    # -- what happened -------------------------------------------------------------------------------------
    def told(self) -> dict[str, str]:
        """user -> the (last) order it was told."""
        return {b.user: b.orders[-1] for b in self.buyers if b.orders}

    def answers(self) -> Counter[str]:
        return Counter(a for b in self.buyers for a in b.answers)

    def finals(self) -> Counter[str]:
        return Counter(b.final for b in self.buyers)


@dataclass
class Audit:
    quantity: int
    live_units: int
    told: int
    missing: list[str]  # told, not in PostgreSQL
    doubles: list[str]  # users with more than one order in PostgreSQL (one key each)
    told_twice: list[str]  # buyers told two different orders for their one key
    wrong: list[str]  # the user's PostgreSQL order is not the one it was told

    def problems(self, *, allow_lost: bool = False) -> list[str]:
        out = []
        if self.live_units > self.quantity:
            out.append(f"oversold: {self.live_units} live units for {self.quantity}")
        if self.missing and not allow_lost:
            out.append(f"{len(self.missing)} told orders missing from PostgreSQL: {self.missing[:5]}")
        if self.doubles:
            out.append(f"users with two orders for one key: {self.doubles[:5]}")
        if self.told_twice and not allow_lost:
            out.append(f"buyers told two orders for one key: {self.told_twice[:5]}")
        if self.wrong and not allow_lost:
            out.append(f"buyers whose order is not the one they were told: {self.wrong[:5]}")
        return out


async def audit(db: Any, sale: str, quantity: int, storms: list[Storm]) -> Audit:
    rows = await db.fetch("SELECT id, user_id, qty, status FROM orders WHERE sale_id = $1", sale)
    by_user: dict[str, list[str]] = {}
    for r in rows:
        by_user.setdefault(r["user_id"], []).append(r["id"])
    ids = {r["id"] for r in rows}
    live = sum(int(r["qty"]) for r in rows if r["status"] in ("reserved", "paid"))
    buyers = [b for s in storms for b in s.buyers]
    told = [(b.user, o) for b in buyers for o in b.orders]
    return Audit(
        quantity=quantity, live_units=live, told=len(told),
        missing=sorted(o for _, o in told if o not in ids),
        doubles=sorted(u for u, os in by_user.items() if len(os) > 1),
        told_twice=sorted(b.user for b in buyers if len(b.orders) > 1),
        wrong=sorted(b.user for b in buyers if b.orders and by_user.get(b.user, [b.orders[-1]]) != [b.orders[-1]]))


async def until_persisted(db: Any, orders: set[str], timeout_s: float = 30.0) -> set[str]:
    """Wait until PostgreSQL holds ``orders`` (the workers drain); returns those still missing at the end."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        try:
            have = {r["id"] for r in await db.fetch("SELECT id FROM orders WHERE id = any($1::text[])",
                                                    list(orders))}
        except Exception:
            have = set()
        missing = orders - have
        if not missing or loop.time() >= deadline:
            return missing
        await asyncio.sleep(0.1)
