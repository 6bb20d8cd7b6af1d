"""Real ``livecore gateway|api|worker`` processes refuse to start on a weak secret, with one line naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from livecore.config import DEV_SECRET

ROOT = Path(__file__).resolve().parents[2]
STRONG = "s" * 40
PAYMENT = "q" * 40


def start(command: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LIVECORE_")}
    return subprocess.run([sys.executable, "-m", "livecore", command], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("command", ["gateway", "api", "worker"])
@pytest.mark.parametrize(("env", "named"), [
    ({}, "LIVECORE_SECRET is unset or the development value"),
    ({"LIVECORE_SECRET": DEV_SECRET, "LIVECORE_PAYMENT_SECRET": PAYMENT}, "LIVECORE_SECRET is unset or"),
    ({"LIVECORE_SECRET": "short", "LIVECORE_PAYMENT_SECRET": PAYMENT}, "LIVECORE_SECRET is shorter than 32"),
    ({"LIVECORE_SECRET": STRONG}, "LIVECORE_PAYMENT_SECRET is unset or the development value"),
    ({"LIVECORE_SECRET": STRONG, "LIVECORE_PAYMENT_SECRET": STRONG + ":payments"}, "LIVECORE_PAYMENT_SECRET must"),
])
def test_a_process_refuses_a_weak_secret(command: str, env: dict[str, str], named: str) -> None:
    done = start(command, **env)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_the_ranking_worker_refuses_too() -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LIVECORE_")}
    done = subprocess.run([sys.executable, "-m", "livecore.workers.ranking"], cwd=ROOT, env=base,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "LIVECORE_SECRET is unset or the development value" in done.stderr
