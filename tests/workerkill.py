"""A worker process killed mid-batch: the scaffolding the exactly-once tests share."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


async def kill_midway(env: Mapping[str, str], only: Sequence[str], progress: Callable[[], Awaitable[int]],
                      at_least: int, *, doing: str = "persisting", poll_s: float = 0.01,
                      within_s: float = 60.0) -> None:
    """Start ``livecore worker --only <only>... --name victim`` and SIGKILL it as soon as ``progress()`` (rows
    written, credits made...) reaches ``at_least``; the caller then checks what a survivor finishes."""
    cmd = [sys.executable, "-m", "livecore", "worker", *(arg for name in only for arg in ("--only", name)),
           "--name", "victim"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + within_s
        while await progress() < at_least:
            assert proc.poll() is None and time.monotonic() < deadline, f"the worker did not start {doing}"
            await asyncio.sleep(poll_s)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
