"""A realistic mix of interactions, for the benchmark, the tests and the demo's simulated rooms (pure, seeded).

Room popularity is skewed (a few big rooms, a long tail, like any live platform); inside a room likes and
barrage dominate, gifts and orders are rare, users repeat themselves (which is what the dedupe, the like cap
and the unique-participant rules are for).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

from ..interactions.model import Interaction

KINDS: tuple[tuple[str, float], ...] = (
    ("like", 45), ("chat", 20), ("enter", 10), ("leave", 7), ("click", 6), ("share", 3), ("cart", 3),
    ("gift", 3), ("follow", 2), ("order", 0.7), ("paid", 0.3),
)
BARRAGE: tuple[str, ...] = (
    "口红颜色好好看", "链接在哪里", "求上链接", "什么时候发货", "666666", "哈哈哈哈", "主播好美", "已下单",
    "这个口红多少钱", "有没有优惠券", "尺码怎么选", "包邮吗", "想要同款", "库存还有吗", "质量怎么样",
    "扣1", "好看好看", "已拍", "适合干皮吗", "买买买",
)
GIFTS: tuple[int, ...] = (10, 100, 100, 520, 1000, 5200, 10_000)
PRODUCTS: tuple[str, ...] = tuple(f"p{i}" for i in range(12))


def mix(rng: random.Random, rooms: Sequence[str], n: int, start_ms: int, span_ms: int,
        users_per_room: int = 500, id_prefix: str = "m") -> Iterator[Interaction]:
    """``n`` interactions over ``rooms`` with timestamps spread over ``[start_ms, start_ms + span_ms)``, in order."""
    kinds = [k for k, _ in KINDS]
    kind_w = [w for _, w in KINDS]
    room_w = [1.0 / (i + 1) ** 0.8 for i in range(len(rooms))]
    room_picks = rng.choices(range(len(rooms)), weights=room_w, k=n)
    kind_picks = rng.choices(kinds, weights=kind_w, k=n)
    for i in range(n):
        room = rooms[room_picks[i]]
        kind = kind_picks[i]
        user = f"u{rng.randrange(users_per_room)}"
        ts = start_ms + (i * span_ms) // max(1, n)
        count, value, product, text = 1, 0, "", ""
        if kind == "like":
            count = rng.choice((1, 1, 1, 2, 5, 10))
        elif kind == "chat":
            text = rng.choice(BARRAGE)
        elif kind == "gift":
            value = rng.choice(GIFTS)
        elif kind in ("click", "cart", "order", "paid"):
            product = rng.choice(PRODUCTS)
            if kind in ("order", "paid"):
                count = rng.choice((1, 1, 2))
                value = count * rng.choice((990, 1990, 4990, 9900))
        yield Interaction(id=f"{id_prefix}{i}", kind=kind, room=room, user=user, ts=ts, count=count, value=value,
                          product=product, text=text)
