"""Redis Cluster hash slots: which keys may share one command.

Every key of a room or a sale carries the room's hash tag (``livecore.keys``), so each script, transaction and
per-room command stays in one slot. The exception is a read across many rooms (the ranking worker's
``XREADGROUP`` over many streams): on a server in cluster mode it must be split by slot, which costs one
command per slot; on a plain server one command can name them all.
"""

from __future__ import annotations

from collections.abc import Iterable

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.crc import key_slot


def chunks(keys: Iterable[bytes], size: int, *, by_slot: bool) -> list[list[bytes]]:
    """``keys`` in groups of at most ``size``, in order; with ``by_slot`` every group keeps to one hash slot."""
    if not by_slot:
        listed = list(keys)
        return [listed[i:i + size] for i in range(0, len(listed), size)]
    groups: dict[int, list[list[bytes]]] = {}
    for key in keys:
        runs = groups.setdefault(key_slot(key), [[]])
        if len(runs[-1]) >= size:
            runs.append([])
        runs[-1].append(key)
    return [run for runs in groups.values() for run in runs]


async def cluster_enabled(redis: Redis) -> bool:
    """Whether the server runs in cluster mode (it then refuses a command whose keys span slots)."""
    if isinstance(redis, RedisCluster):
        return True
    info = await redis.info("cluster")
    return bool(int(info.get("cluster_enabled", 0)))
