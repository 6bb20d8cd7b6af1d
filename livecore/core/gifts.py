"""The gift catalogue: id -> display name and unit price in cents (pure data)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GiftItem:
    id: str
    name: str
    price: int  # cents per unit


DEFAULT_GIFTS: tuple[GiftItem, ...] = (
    GiftItem("lightstick", "荧光棒", 10),
    GiftItem("rose", "玫瑰", 100),
    GiftItem("heart", "比心", 520),
    GiftItem("applause", "鼓掌", 1000),
    GiftItem("rocket", "火箭", 50_000),
    GiftItem("carnival", "嘉年华", 300_000),
)

MAX_COUNT = 9999


class GiftCatalogue:
    def __init__(self, items: Iterable[GiftItem] = DEFAULT_GIFTS) -> None:
        self._items: Mapping[str, GiftItem] = {g.id: g for g in items}

    def get(self, gift_id: str) -> GiftItem | None:
        return self._items.get(gift_id)

    def value(self, gift_id: str, count: int) -> int | None:
        """Total value in cents, or None for an unknown gift."""
        item = self._items.get(gift_id)
        return None if item is None else item.price * count

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)
