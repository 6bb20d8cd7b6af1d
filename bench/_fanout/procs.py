"""Child processes of the benchmark: gateways, the baseline server and load generators.

Load generators and the baseline speak one JSON object per line on stdout; gateways are only watched
(TCP port open) and measured (psutil CPU times and RSS, the process and its children).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

BENCH_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(BENCH_DIR), env.get("PYTHONPATH", "")) if p)
    env.update(extra or {})
    return env


class JsonChild:
    """A child speaking JSON lines: commands on stdin, events on stdout; stderr goes to a log file."""

    def __init__(self, proc: asyncio.subprocess.Process, name: str, log: Path) -> None:
        self.proc = proc
        self.name = name
        self.log = log

    @classmethod
    async def start(cls, name: str, argv: list[str], log: Path, env: dict[str, str] | None = None) -> JsonChild:
        with open(log, "wb") as err:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=err,
                env=child_env(env), limit=64 << 20)
        return cls(proc, name, log)

    @classmethod
    async def loadgen(cls, name: str, cfg: dict[str, Any], log: Path) -> JsonChild:
        return await cls.start(name, [sys.executable, "-m", "_fanout.loadgen", json.dumps(cfg)], log)

    async def expect(self, event: str, timeout: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: no {event!r} within {timeout:.0f}s (log {self.log})")
            line = await asyncio.wait_for(self.proc.stdout.readline(), remaining)
            if not line:
                raise RuntimeError(f"{self.name} exited ({self.tail()})")
            msg = json.loads(line)
            if msg.get("event") == event:
                return msg

    def send(self, cmd: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())

    async def ask(self, cmd: dict[str, Any], event: str, timeout: float) -> dict[str, Any]:
        self.send(cmd)
        return await self.expect(event, timeout)

    async def stop(self, timeout: float = 10.0) -> None:
        if self.proc.returncode is None:
            try:
                self.send({"cmd": "quit"})
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            except (BrokenPipeError, ConnectionResetError, RuntimeError):
                pass
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Measured:
    """A server process we measure: started by us (``popen``) or found by its listening port."""

    name: str
    pid: int
    popen: asyncio.subprocess.Process | None = None
    log: Path | None = None

    def _procs(self) -> list[psutil.Process]:
        proc = psutil.Process(self.pid)
        return [proc, *proc.children(recursive=True)]

    def cpu_s(self) -> float:
        total = 0.0
        for p in self._procs():
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total

    def rss(self) -> int:
        total = 0
        for p in self._procs():
            with contextlib.suppress(psutil.NoSuchProcess):
                total += p.memory_info().rss
        return total

    def alive(self) -> bool:
        return self.popen is None or self.popen.returncode is None

    async def terminate(self, timeout: float = 60.0) -> int | None:
        """SIGTERM (graceful shutdown), then SIGKILL if it does not exit in time."""
        if self.popen is None or self.popen.returncode is not None:
            return None if self.popen is None else self.popen.returncode
        self.popen.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.popen.wait(), timeout)
        except TimeoutError:
            self.popen.kill()
            return await self.popen.wait()


async def start_server(name: str, argv: list[str], port: int, log: Path, env: dict[str, str],
                       timeout: float = 60.0) -> Measured:
    """Start a server process and wait until it accepts TCP connections on ``port``."""
    with open(log, "wb") as out:
        proc = await asyncio.create_subprocess_exec(*argv, stdin=asyncio.subprocess.DEVNULL, stdout=out,
                                                    stderr=asyncio.subprocess.STDOUT, env=child_env(env))
    server = Measured(name, proc.pid, proc, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.returncode is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return server
        except OSError:
            await asyncio.sleep(0.2)
    await server.terminate()
    raise TimeoutError(f"{name} did not listen on {port} within {timeout:.0f}s (log {log})")


def find_listener(port: int) -> int | None:
    """The pid listening on a local TCP port, when this user may see it."""
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
                return int(conn.pid)
    except psutil.AccessDenied:
        return None
    return None
