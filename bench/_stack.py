"""What a commerce benchmark runs against: its own key prefix and schema, G gateway processes and one worker.

``bench/flashsale.py``, ``bench/redpacket.py`` and ``bench/groupbuy.py`` each make a ``Stack``, start its
processes, run their storm through it and ``stop`` it, which also drops the prefix's keys and the schema.
Every process writes its stdout and stderr to ``<logdir>/<name>.log``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from livecore.config import Settings
from livecore.services.ports import answers, free_port

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Stack:
    tag: str  # "fs", "rp", "gb": in the prefix, the schema, the node ids and the log folder's name
    run_id: str
    cfg: Settings  # the run's own key prefix and schema
    env: dict[str, str]  # for every child: the run's settings, the per-address cap lifted
    logdir: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    pids: dict[str, int] = field(default_factory=dict)  # name -> pid, for the CPU seconds of each
    ports: list[int] = field(default_factory=list)

    @classmethod
    async def prepare(cls, settings: Settings, tag: str, name: str) -> Stack:
        """A fresh prefix and schema (migrated), and a log folder ``<name>-<run id>-*``."""
        from livecore.storage.db import connect
        from livecore.storage.migrate import migrate

        run_id = uuid.uuid4().hex[:8]
        cfg = settings.with_(key_prefix=f"{settings.key_prefix}{tag}{run_id}", database_schema=f"bench_{tag}_{run_id}")
        # every simulated viewer connects from 127.0.0.1: lift the per-address cap (4507) for the bench
        env = {**os.environ, **cfg.env(), "LIVECORE_MAX_CONNECTIONS_PER_ADDRESS": "0"}
        conn = await connect(cfg.database_url)
        try:
            await migrate(conn, cfg.database_schema)
        finally:
            await conn.close()
        return cls(tag, run_id, cfg, env, Path(tempfile.mkdtemp(prefix=f"{name}-{run_id}-")))

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = open(self.logdir / f"{name}.log", "wb")  # noqa: SIM115 - the child's log, open while it runs
        proc = subprocess.Popen(argv, cwd=ROOT, env=env or self.env, stdout=log, stderr=log)
        log.close()  # the child holds its own descriptor
        self.procs.append(proc)
        self.pids[name] = proc.pid
        return proc

    async def start(self, gateways: int, worker: list[str], timeout_s: float = 30.0) -> list[str]:
        """``gateways`` single-process gateways on free ports and ``livecore worker --only ...`` for each of
        ``worker``; returns the gateways' WebSocket URLs once every one listens."""
        self.ports = [free_port() for _ in range(gateways)]
        for i, port in enumerate(self.ports):
            self.spawn(f"gateway{i}", [sys.executable, "-m", "livecore", "gateway", "--procs", "1", "--host",
                                       "127.0.0.1", "--port", str(port)],
                       env={**self.env, "LIVECORE_NODE_ID": f"{self.tag}-{self.run_id}-{i}"})
        only = [arg for job in worker for arg in ("--only", job)]
        self.spawn("worker", [sys.executable, "-m", "livecore", "worker", *only, "--name", f"{self.tag}-{self.run_id}"])
        deadline = time.monotonic() + timeout_s
        while not all(answers("127.0.0.1", p) for p in self.ports):
            if time.monotonic() > deadline:
                raise RuntimeError(f"gateways did not start; see {self.logdir}")
            await asyncio.sleep(0.1)
        return [f"ws://127.0.0.1:{p}/ws" for p in self.ports]

    async def stop(self) -> None:
        """Every process (SIGTERM, then SIGKILL after 15 s), then the run's keys and schema."""
        from livecore.runtime import drop_keys, redis_client
        from livecore.storage.db import drop_schema

        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        redis = redis_client(self.cfg.redis_url)
        try:
            await drop_keys(redis, self.cfg.key_prefix)
        finally:
            await redis.aclose()
        await drop_schema(self.cfg.database_url, self.cfg.database_schema)
