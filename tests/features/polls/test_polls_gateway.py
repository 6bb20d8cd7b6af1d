"""10 000 votes at once over two gateway processes: exact tallies in Redis, in the viewers' room state and, after
the close, in PostgreSQL; the tallies reach the viewers as state at the tick, not one message per vote."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from websockets.asyncio.client import connect

from livecore.auth import issue
from livecore.client import LiveClient
from livecore.config import Settings
from livecore.features.polls.model import PollIn
from livecore.features.polls.service import PollService
from livecore.features.polls.worker import persister
from livecore.protocol.server import Frame
from livecore.services.ports import free_port

ROOT = Path(__file__).resolve().parents[3]
VOTERS = int(os.environ.get("POLLS_TEST_VOTERS", "10000"))
AT_ONCE = int(os.environ.get("POLLS_TEST_AT_ONCE", "100"))  # voters connected and voting at the same moment
OPTIONS = "abcd"


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture
def two_gateways(settings: Settings, rooms: tuple[str, ...], artifacts_dir: Path) -> Iterator[list[int]]:
    """Two ``livecore gateway`` processes on the test's Redis, without the per-address connection cap."""
    env = {**os.environ, **settings.with_(max_connections_per_address=0, access_log=False).env()}
    procs, ports = [], []
    try:
        for _ in range(2):
            port = free_port()
            log = open(artifacts_dir / f"polls-gateway-{port}.log", "wb")  # noqa: SIM115 - open while it runs
            procs.append(subprocess.Popen([sys.executable, "-m", "livecore", "gateway", "--port", str(port),
                                           "--procs", "1"],
                                          cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
            ports.append(port)
        deadline = time.monotonic() + 30
        for proc, port in zip(procs, ports, strict=True):
            while not _healthy(port):
                assert proc.poll() is None, f"gateway on {port} exited"
                assert time.monotonic() < deadline, "gateway not ready"
                time.sleep(0.05)
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


async def _vote(settings: Settings, port: int, user: str, poll: str, option: str) -> dict[str, Any]:
    url = f"ws://127.0.0.1:{port}/ws?token={issue(settings.secret, user)}"
    async with connect(url, compression=None, ping_interval=None, open_timeout=30, proxy=None) as ws:
        await ws.send(msgspec.json.encode({"type": "join", "room": "r1", "rid": "j"}).decode())
        await ws.send(msgspec.json.encode({"type": "vote", "poll": poll, "options": [option], "rid": "v"}).decode())
        while True:
            msg = msgspec.json.decode(await asyncio.wait_for(ws.recv(), 30))
            if msg.get("rid") == "v":
                return msg  # type: ignore[no-any-return]


class Watcher:
    """A viewer on one gateway counting the frames that carry the ``poll`` state."""

    def __init__(self, client: LiveClient) -> None:
        self.client = client
        self.poll_frames = 0
        self.task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.client:
            if isinstance(msg, Frame) and "poll" in msg.state:
                self.poll_frames += 1

    def tallies(self) -> list[int]:
        poll = self.client.state.get("poll") or {}
        return [o["votes"] for o in poll.get("options", [])]


async def test_ten_thousand_votes_over_two_gateways_give_exact_tallies(settings, runtime, db,
                                                                        two_gateways) -> None:  # type: ignore[no-untyped-def]
    polls = PollService(runtime)
    watchers: list[Watcher] = []
    try:
        poll = (await polls.open("r1", PollIn(question="哪个颜色? Which colour?", options=list("红黄蓝绿"),
                                              duration_s=600), "host"))["id"]
        for i, port in enumerate(two_gateways):
            client = await LiveClient(f"ws://127.0.0.1:{port}/ws", issue(settings.secret, f"watch{i}"),
                                      reconnect=False).connect()
            await client.join("r1")
            watchers.append(Watcher(client))
        expected = [0, 0, 0, 0]
        for i in range(VOTERS):
            expected[i % 4] += 1
        gate = asyncio.Semaphore(AT_ONCE)

        async def one(i: int) -> dict[str, Any]:
            async with gate:
                return await _vote(settings, two_gateways[i % 2], f"v{i}", poll, OPTIONS[i % 4])

        started = time.monotonic()
        answers = await asyncio.gather(*(one(i) for i in range(VOTERS)))
        took = time.monotonic() - started
        refused = [a for a in answers if a.get("type") != "result"]
        assert refused == [], refused[:3]
        view = await polls.get("r1", poll)
        assert view is not None and [o["votes"] for o in view["options"]] == expected
        assert view["voters"] == VOTERS
        deadline = time.monotonic() + 20
        while any(w.tallies() != expected for w in watchers):  # the last change reaches every viewer
            assert time.monotonic() < deadline, [w.tallies() for w in watchers]
            await asyncio.sleep(0.05)
        # at most one poll state per publisher per tick (100 ms), two publishers: far fewer frames than votes
        ticks = took / 0.1 + 5
        for w in watchers:
            assert 1 <= w.poll_frames <= 2 * ticks + 10, (w.poll_frames, took)
        again = await _vote(settings, two_gateways[1], "v0", poll, "b")  # v0 voted through the other gateway
        assert again["type"] == "error" and again["code"] == "already"
        closed = await polls.close_poll("r1", poll, "host")
        assert list(closed["result"]["tallies"].values()) == expected
        worker = persister(runtime, "w1", batch=500)
        assert await worker.drain(timeout_s=60) == VOTERS + 1
        rows = await db.fetch("SELECT option_id, votes FROM poll_options WHERE poll_id = $1 ORDER BY position", poll)
        assert [r["votes"] for r in rows] == expected
        assert await db.fetchval("SELECT count(*) FROM poll_votes WHERE poll_id = $1", poll) == VOTERS
        print(f"{VOTERS} votes over 2 gateways in {took:.1f}s; poll frames per viewer "
              f"{[w.poll_frames for w in watchers]}")
    finally:
        for w in watchers:
            await w.client.close()
            w.task.cancel()
        await polls.close()
