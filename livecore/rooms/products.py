"""``ProductStore``: a room's cart (``products`` and their ``skus``)."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from ..core.outcome import RefusedError
from ..protocol.codes import ErrorCode
from . import rules


class SkuIn(msgspec.Struct, forbid_unknown_fields=False):
    title: str = ""
    price: int | None = None
    id: str | None = None


class ProductIn(msgspec.Struct, forbid_unknown_fields=False):
    title: str
    price: int
    list_price: int | None = None
    image: str = ""
    position: int | None = None
    skus: list[SkuIn] = []
    id: str | None = None


class ProductPatch(msgspec.Struct, forbid_unknown_fields=False):
    title: str | None = None
    price: int | None = None
    list_price: int | None = None
    image: str | None = None
    position: int | None = None


def product_of(r: asyncpg.Record) -> dict[str, Any]:
    skus = r.get("skus", [])
    price = min((s["price"] for s in skus), default=r["list_price"])
    return {"id": r["id"], "title": r["title"], "image": r["image_url"], "list_price": r["list_price"],
            "price": price, "position": r["position"], "skus": skus}


class ProductStore:
    def __init__(self, db: asyncpg.Pool) -> None:
        self.db = db

    async def list(self, room: str) -> list[dict[str, Any]]:
        rows = await self.db.fetch(
            "SELECT p.*, COALESCE(json_agg(json_build_object('id', s.id, 'title', s.title, 'price', s.price) "
            "ORDER BY s.id) FILTER (WHERE s.id IS NOT NULL), '[]') AS skus "
            "FROM products p LEFT JOIN skus s ON s.product_id = p.id WHERE p.room_id = $1 "
            "GROUP BY p.id ORDER BY p.position, p.created_at", room)
        return [product_of(r) for r in rows]

    async def get(self, room: str, pid: str) -> dict[str, Any]:
        for p in await self.list(room):
            if p["id"] == pid:
                return p
        raise RefusedError(ErrorCode.NOT_FOUND, f"product {pid} is not in room {room}")

    async def add(self, room: str, data: ProductIn) -> dict[str, Any]:
        title = rules.product_title(data.title)
        rules.money("price", data.price)
        rules.money("list_price", data.list_price)
        for s in data.skus:
            rules.money("sku price", s.price)
        pid = data.id or rules.new_id("p")
        skus = data.skus or [SkuIn(title="默认", price=data.price)]
        async with self.db.acquire() as conn, conn.transaction():
            position = data.position
            if position is None:
                position = await conn.fetchval(
                    "SELECT COALESCE(max(position) + 1, 0) FROM products WHERE room_id = $1", room)
            try:
                await conn.execute(
                    "INSERT INTO products (id, room_id, title, image_url, list_price, position) "
                    "VALUES ($1, $2, $3, $4, $5, $6)",
                    pid, room, title, data.image, data.list_price if data.list_price is not None else data.price,
                    position)
            except asyncpg.UniqueViolationError as exc:
                raise RefusedError(ErrorCode.ALREADY, f"product {pid} exists") from exc
            for i, s in enumerate(skus):
                await conn.execute("INSERT INTO skus (id, product_id, title, price) VALUES ($1, $2, $3, $4)",
                                   s.id or f"{pid}-{i + 1}", pid, s.title or title,
                                   s.price if s.price is not None else data.price)
        return await self.get(room, pid)

    async def patch(self, room: str, pid: str, data: ProductPatch) -> dict[str, Any]:
        rules.money("price", data.price)
        rules.money("list_price", data.list_price)
        await self.get(room, pid)
        async with self.db.acquire() as conn, conn.transaction():
            await conn.execute(
                "UPDATE products SET title = COALESCE($3, title), image_url = COALESCE($4, image_url), "
                "list_price = COALESCE($5, list_price), position = COALESCE($6, position) "
                "WHERE id = $1 AND room_id = $2",
                pid, room, data.title.strip() if data.title else None, data.image, data.list_price, data.position)
            if data.price is not None:
                await conn.execute("UPDATE skus SET price = $2 WHERE product_id = $1", pid, data.price)
        return await self.get(room, pid)

    async def delete(self, room: str, pid: str) -> None:
        await self.get(room, pid)
        try:
            async with self.db.acquire() as conn, conn.transaction():
                await conn.execute("DELETE FROM skus WHERE product_id = $1", pid)
                await conn.execute("DELETE FROM products WHERE id = $1 AND room_id = $2", pid, room)
        except asyncpg.ForeignKeyViolationError as exc:
            raise RefusedError(ErrorCode.IN_USE,
                               "a sale or order refers to this product; it stays in the cart") from exc
