"""Start and stop the deployment's processes (gateway, API, worker) as real subprocesses.

Subprocesses of ``python -m livecore <command>`` are what production runs, so the demo and the browser
tests exercise the same start-up paths (service discovery, migrations, uvloop, signal handling). Settings
travel as ``LIVECORE_*`` environment variables.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ..config import Settings
from ..services.ports import answers


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    port: int | None = None
    log_path: Path | None = None

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, n: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])


@dataclass
class Deployment:
    """A set of livecore processes sharing one ``Settings``; stops them all, newest first."""

    settings: Settings
    log_dir: Path | None = None
    procs: list[Proc] = field(default_factory=list)

    def start(self, name: str, *args: str, port: int | None = None, timeout: float = 60.0) -> Proc:
        env = {**os.environ, **self.settings.env(), "PYTHONUNBUFFERED": "1"}
        log_path = None
        out: int | IO[bytes] = subprocess.DEVNULL
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log_path = self.log_dir / f"{name}.log"
            out = open(log_path, "wb")  # noqa: SIM115 - the child writes to its own copy of the descriptor
        try:
            popen = subprocess.Popen([sys.executable, "-m", "livecore", *args], env=env, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            if not isinstance(out, int):
                out.close()  # the parent's copy is not needed once the child has its own
        proc = Proc(name, popen, port, log_path)
        self.procs.append(proc)
        if port is not None:
            self._wait_port(proc, port, timeout)
        return proc

    def _wait_port(self, proc: Proc, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}:\n{proc.tail()}")
            if answers(self.settings.host, port):
                return
            time.sleep(0.1)
        raise TimeoutError(f"{proc.name} did not listen on port {port} within {timeout}s:\n{proc.tail()}")

    def gateway(self, port: int) -> Proc:
        return self.start("gateway", "gateway", "--port", str(port), port=port)

    def api(self, port: int) -> Proc:
        return self.start("api", "api", "--port", str(port), port=port)

    def worker(self) -> Proc:
        return self.start("worker", "worker")

    def stop(self, timeout: float = 10.0) -> None:
        for proc in reversed(self.procs):
            if proc.alive():
                proc.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in reversed(self.procs):
            try:
                proc.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.popen.kill()
                proc.popen.wait()
        self.procs.clear()

    def __enter__(self) -> Deployment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
