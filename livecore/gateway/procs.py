"""``livecore gateway --procs N``: N gateway processes sharing one port (``SO_REUSEPORT``).

The parent only supervises: it starts N children (each a one-process ``livecore gateway --reuse-port`` on the
same port, so the kernel spreads new connections over them), passes SIGTERM/SIGINT on to every child (each
closes its viewers with 1012 and flushes), and exits once they all have, with the worst exit status. Each child
is its own node: its own presence entry (its node id is ``host:port:pid``, or ``LIVECORE_NODE_ID`` plus
``-<i>`` when that is set).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping

from ..services.ports import free_port


def default_procs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def child_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "livecore", "gateway", "--procs", "1", "--reuse-port", "--host", host,
            "--port", str(port)]


def child_env(environ: Mapping[str, str], index: int) -> dict[str, str]:
    env = dict(environ)
    node = env.get("LIVECORE_NODE_ID")
    if node:
        env["LIVECORE_NODE_ID"] = f"{node}-{index}"
    return env


def supervise(n: int, host: str, port: int, environ: Mapping[str, str]) -> int:
    """Run ``n`` children on ``host:port`` (a free port when 0) with ``environ`` until they have all exited."""
    if port == 0:
        port = free_port()
    children = [subprocess.Popen(child_command(host, port), env=child_env(environ, i)) for i in range(n)]
    stopping = False

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    print(f"gateway: {n} processes on {host}:{port} (SO_REUSEPORT)", flush=True)
    codes: list[int] = []
    while children:
        for child in list(children):
            code = child.poll()
            if code is None:
                continue
            children.remove(child)
            codes.append(code)
            if not stopping:  # one died on its own: the others keep serving; its viewers reconnect to them
                print(f"gateway: process {child.pid} exited with {code}", file=sys.stderr, flush=True)
        time.sleep(0.1)
    return max((abs(c) for c in codes), default=0)
