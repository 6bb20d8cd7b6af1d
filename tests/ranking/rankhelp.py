"""Builders and state dumps shared by the ranking tests."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from livecore.interactions.model import Interaction, encoder

H_MS = 600_000
T0 = 32 * H_MS * 100_000  # a hot-score landmark (not an hour boundary)


def ix(id: str, kind: str, room: str, user: str, ts: int, **kw: Any) -> Interaction:
    return Interaction(id=id, kind=kind, room=room, user=user, ts=ts, **kw)


def blobs(items: list[Interaction]) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {}
    for it in items:
        out.setdefault(it.room, []).append(encoder.encode(it))
    return out


async def dump(redis: Redis, prefix: str) -> dict[bytes, Any]:
    """Every key of the prefix with its value, to compare whole states."""
    out: dict[bytes, Any] = {}
    async for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
        kind = (await redis.type(key)).decode()
        if kind == "string":
            out[key] = await redis.get(key)
        elif kind == "hash":
            out[key] = await redis.hgetall(key)
        elif kind == "set":
            out[key] = await redis.smembers(key)
        elif kind == "zset":
            out[key] = await redis.zrange(key, 0, -1, withscores=True)
        elif kind == "list":
            out[key] = await redis.lrange(key, 0, -1)
        elif kind == "stream":
            out[key] = await redis.xlen(key)
    return out
