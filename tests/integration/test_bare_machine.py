"""The front door on a bare machine: ``livecore services`` and ``livecore demo`` with nothing on 127.0.0.1:6379
and 5432, the default data dir and no LIVECORE_* settings, in a private network namespace (loopback only).

The namespace is also a PID namespace whose first process is ``bare_machine.py``: when it ends, or when
``unshare`` is killed on a timeout (``--kill-child``), the kernel ends every process left in it, so a failing
run leaves nothing behind either.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def test_services_and_demo_start_and_stop_on_a_machine_with_nothing_running() -> None:
    if os.geteuid() != 0:
        pytest.skip("network and PID namespaces need root (CI runs as root)")
    for tool in ("unshare", "ip", "make"):
        assert shutil.which(tool), f"{tool} is needed (util-linux, iproute2, make)"
    base = Path(tempfile.mkdtemp(prefix="livecore-bare-"))
    try:
        done = subprocess.run(
            ["unshare", "--net", "--pid", "--fork", "--mount-proc", "--kill-child=SIGKILL", "sh", "-c",
             'ip link set lo up && exec "$0" "$@"', sys.executable, str(HERE / "bare_machine.py"), str(base),
             str(ROOT / "Makefile")],
            capture_output=True, text=True, timeout=420)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the bare-machine run timed out:\n{exc.stdout!s}\n{exc.stderr!s}")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(done.stdout[-6000:])
    assert done.returncode == 0, f"{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
    timing = re.search(r"DEMO_URLS_AFTER ([\d.]+)", done.stdout)
    assert timing, done.stdout
