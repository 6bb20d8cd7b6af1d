"""Run inside a private network + PID namespace (see test_bare_machine.py): what a newcomer does on a machine
with nothing listening on the default Redis and PostgreSQL ports.

1. ``livecore services`` in a fresh working directory starts embedded servers and prints their URLs; ``make
   clean`` there stops them before deleting ``.livecore/``.
2. ``livecore demo`` in another fresh directory prints the page URLs, the API answers ``/readyz`` with 200,
   and SIGINT stops the demo and every embedded server it started.

This script starts as PID 1 of its namespace and forks: PID 1 only reaps orphans (as init does; the embedded
servers run in sessions of their own) while the child runs the steps. Both see only processes started below
them, so "nothing left" means exactly that no other process exists. Prints ``DEMO_URLS_AFTER <seconds>``; exits
non-zero on any failure.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def others() -> list[str]:
    """Every live process of the namespace but this one and the init above it."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in (1, os.getpid()):
            continue
        try:
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if state != "Z":
            found.append(f"{entry.name} {cmdline}")
    return found


def assert_nothing_left(what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while (left := others()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"{what}: processes left behind: {left}"


def step_services(base: Path, env: dict[str, str], makefile: str) -> None:
    work = base / "services"
    work.mkdir()
    done = subprocess.run([sys.executable, "-m", "livecore", "services"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=180)
    print("livecore services ->", done.returncode, done.stdout, done.stderr[-3000:], flush=True)
    assert done.returncode == 0, "livecore services failed"
    ports = [int(p) for p in re.findall(r"127\.0\.0\.1:(\d+)", done.stdout)]
    assert len(ports) == 2 and all(answers(p) for p in ports), done.stdout
    assert (work / ".livecore" / "services.json").exists()
    cleaned = subprocess.run(["make", "-s", "-f", makefile, "clean"], cwd=work, capture_output=True, text=True,
                             timeout=60)
    assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
    assert not (work / ".livecore").exists()
    assert not any(answers(p) for p in ports), "make clean left an embedded server answering"
    assert_nothing_left("make clean")


def step_demo(base: Path, env: dict[str, str]) -> float:
    work = base / "demo"
    work.mkdir()
    api, gateway = free_port(), free_port()
    started = time.monotonic()
    demo = subprocess.Popen([sys.executable, "-m", "livecore", "demo", "--bots", "3", "--port", str(api),
                             "--gateway-port", str(gateway)], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert demo.stdout is not None
    seen: list[str] = []
    elapsed = -1.0
    try:
        for line in demo.stdout:
            seen.append(line)
            if "host console:" in line:
                elapsed = time.monotonic() - started
                break
            if time.monotonic() - started > 240:
                break
        assert elapsed >= 0, "the demo printed no URLs:\n" + "".join(seen)
        assert f"http://127.0.0.1:{api}/room/demo?token=" in "".join(seen)
        with urllib.request.urlopen(f"http://127.0.0.1:{api}/readyz", timeout=10) as reply:
            assert reply.status == 200, reply.status
        demo.send_signal(signal.SIGINT)
        rest, _ = demo.communicate(timeout=60)
        seen.append(rest)
        assert demo.returncode == 0, f"the demo exited with {demo.returncode}:\n" + "".join(seen)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        print("livecore demo ->\n" + "".join(seen)[-4000:], flush=True)
    assert not answers(api) and not answers(gateway)
    assert_nothing_left("after Ctrl-C in the demo")
    logs = work / ".livecore" / "logs"
    api_log = (logs / "api.log").read_text(errors="replace")
    assert '"GET /readyz HTTP/1.1" 200 ' in api_log, api_log[-2000:]  # the access log, Common Log Format
    gateway_log = (logs / "gateway.log").read_text(errors="replace")
    line = re.search(r"conn peer=\S+ user=\S+ room=demo .*", gateway_log)  # the connection log, logfmt
    assert line, gateway_log[-2000:]
    print("gateway connection log:", line.group(0), flush=True)
    return elapsed


def main() -> int:
    base = Path(sys.argv[1])
    makefile = sys.argv[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECORE_")}
    assert not answers(6379) and not answers(5432), "something answers on the default ports"
    assert not others(), f"the namespace is not empty: {others()}"
    step_services(base, env, makefile)
    elapsed = step_demo(base, env)
    print(f"DEMO_URLS_AFTER {elapsed:.2f}", flush=True)
    return 0


def init() -> int:
    """PID 1: run ``main`` in a child, reap every process that ends, exit with the child's status."""
    child = os.fork()
    if child == 0:
        try:
            code = main()
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        os._exit(code)
    while True:
        pid, status = os.wait()
        if pid == child:
            return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(init() if os.getpid() == 1 else main())
