"""The ceiling: ``redis-benchmark`` calling ``sale_buy`` by EVALSHA on the same Redis, no Python, no WebSocket.

Each call is a fresh user, key and order id (``__rand_int__``), on a sale of its own with the same stock, for
the same number of attempts as the storm. Run twice: the way the issue names it (``-c 50``, one call in
flight per client) and pipelined (``-P``), which is closer to what a gateway does when it coalesces.
"""

from __future__ import annotations

import subprocess
import time
from typing import Any

from livecore.commerce.sale_keys import SaleKeys
from livecore.config import Settings


async def measure(rt: Any, cfg: Settings, binary: str, room: str, sale: str, stock: int, calls: int, clients: int,
                  pipeline: int) -> dict[str, Any]:
    k = SaleKeys(rt.keys)
    now = int(time.time() * 1000)
    await rt.scripts.call("sale_create", keys=[k.sale(room, sale), k.stock(room, sale), k.room_sales(room)],
                          args=[sale, stock, "room", room, "product", "bench", "sku", "", "title", "", "price", 100,
                                "per_user", 1000, "starts_at", now - 1000, "ends_at", now + 3_600_000])
    sha = rt.scripts.get("sale_buy").sha or await rt.redis.script_load(rt.scripts.get("sale_buy").script)
    # one idempotency record per random user: redis-benchmark substitutes __rand_int__ only where it is
    # written as is, and idem_id() writes the user in hex, so the placeholder goes after the encoded pair
    idem_template = k.idem(room, sale, "u", "k") + ":__rand_int__"
    keys = [k.sale(room, sale), k.stock(room, sale), k.users(room, sale), idem_template,
            k.order(room, f"{room}.o__rand_int__"), k.orders_stream(room), k.buyers(room), k.sale_orders(room, sale),
            k.deadlines(room), rt.keys.interactions(room), rt.keys.room_state(room)]
    argv = [sale, "u__rand_int__", "1", str(now), f"{room}.o__rand_int__", "600", str(cfg.order_stream_maxlen),
            "3600", "900000", room, str(cfg.interaction_maxlen)]
    host, port = cfg.redis_url.split("//", 1)[1].split("/", 1)[0].split(":")
    cmd = [binary, "-h", host, "-p", port, "-c", str(clients), "-n", str(calls), "-r", "1000000000"]
    if pipeline > 1:
        cmd += ["-P", str(pipeline)]
    cmd += ["--csv", "EVALSHA", sha, str(len(keys)), *keys, *argv]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - t0
    rps = None
    for line in done.stdout.splitlines():
        parts = [p.strip('"') for p in line.split(",")]
        if parts and parts[0].startswith("EVALSHA"):
            rps = float(parts[1])
    sold = int(await rt.redis.hget(k.sale(room, sale), "sold") or 0)
    left = int(await rt.redis.get(k.stock(room, sale)) or 0)
    shown = " ".join(cmd[:cmd.index("EVALSHA")])
    return {"requests_per_s": rps, "clients": clients, "pipeline": max(1, pipeline), "calls": calls,
            "sold": sold, "stock_left": left, "wall_s": round(wall, 2),
            "command": f"{shown} EVALSHA <sale_buy sha> {len(keys)} <keys> <args>", "stderr": done.stderr[-500:]}


def floor(binary: str, cfg: Settings, clients: int, calls: int) -> dict[str, Any]:
    """The round-trip floor: redis-server answering ``PING`` to ``redis-benchmark`` over ``clients`` connections.

    The cheapest request and answer a server written in C can exchange, one in flight per connection, on the
    same machine and loopback as the storm. No design that answers every attempt on its own connection can
    beat it here, so it bounds any ratio the storm can reach against the references.
    """
    host, port = cfg.redis_url.split("//", 1)[1].split("/", 1)[0].split(":")
    cmd = [binary, "-h", host, "-p", port, "-c", str(clients), "-n", str(calls), "--csv", "-t", "ping_mbulk"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    rps = None
    for line in done.stdout.splitlines():
        parts = [p.strip('"') for p in line.split(",")]
        if parts and parts[0].startswith("PING"):
            rps = float(parts[1])
    return {"requests_per_s": rps, "clients": clients, "calls": calls, "command": " ".join(cmd),
            "stderr": done.stderr[-500:]}
