"""schemathesis against a live ``livecore api`` process (real Redis and PostgreSQL, the test's own key prefix and
schema), with a host token and a bounded number of cases per operation: no answer is a 500, and no answer has a
status code the OpenAPI document does not list for that operation."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from redis.asyncio import Redis

from livecore.auth import issue
from livecore.config import Settings
from livecore.services.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
CASES = 8  # per operation; the run stays around a minute on a busy machine


def _up(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.mark.parametrize("role", ["host", "admin"])
def test_schemathesis_finds_no_500_and_no_undocumented_status(settings: Settings, migrated: str, redis: Redis,
                                                               artifacts_dir: Path, role: str) -> None:
    """With the token of room r1's host, then with an admin's (which passes every host check, so the generated
    cases reach the handlers' own validation)."""
    port = free_port()
    # write limits raised so that the generated cases reach the handlers (429 stays documented for every write)
    env = {**os.environ, **settings.with_(demo=True, api_write_rate=1000.0, api_write_burst=1000).env()}
    log = open(artifacts_dir / f"api-schemathesis-{settings.key_prefix}.log", "wb")  # noqa: SIM115 - the child's log, open while it runs
    api = subprocess.Popen([sys.executable, "-m", "livecore", "api", "--host", "127.0.0.1", "--port", str(port)],
                           cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not _up(port):
            assert api.poll() is None, f"the api exited with {api.returncode}; see {log.name}"
            assert time.monotonic() < deadline, "the api did not come up"
            time.sleep(0.1)
        token = issue(settings.secret, "h1", role=role, room="r1" if role == "host" else None, name=role)
        run = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", f"http://127.0.0.1:{port}/openapi.json",
             "--checks", "not_a_server_error,status_code_conformance", "--max-examples", str(CASES),
             "--seed", "14", "--phases", "examples,coverage,fuzzing", "--workers", "1",
             "--request-timeout", "20", "--suppress-health-check", "all", "--no-shrink",
             "-H", f"Authorization: Bearer {token}", "--exclude-path", "/api/payments/callback"],
            cwd=artifacts_dir, capture_output=True, text=True, timeout=600)
        out = run.stdout + run.stderr
        (artifacts_dir / f"schemathesis-{role}-{settings.key_prefix}.txt").write_text(out)
        assert run.returncode == 0, out[-6000:]
        assert "passed" in out
    finally:
        api.terminate()
        api.wait(20)
        log.close()
