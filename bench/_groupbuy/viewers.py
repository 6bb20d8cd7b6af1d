"""The viewers of one load-generator process of ``bench/groupbuy.py``.

Each viewer is one WebSocket connection (``websockets``) that joins the room and reads every frame (room
traffic is dropped unread, only ``result`` / ``error`` answers are decoded). Two rounds, each started by the
orchestrator on stdin (``GO <epoch> open <deal>``, ``GO <epoch> join <file of group ids>``): ``open`` (the
openers send ``group_open``), then ``join``
(every other viewer sends ``group_join`` to a random open group, trying another one after ``group_closed`` or
``already``, up to ``tries`` times). Each round reports its answers' codes and latencies (ms) as JSON.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import msgspec
from websockets.asyncio.client import ClientConnection, connect

RETRY = {"group_closed", "already"}


class _Answer(msgspec.Struct):
    type: str
    rid: str | None = None
    code: str = ""
    data: dict[str, Any] | None = None


_decode = msgspec.json.Decoder(_Answer)


class Viewer:
    def __init__(self, user: str, ws: ClientConnection) -> None:
        self.user = user
        self.ws = ws
        self.waiting: dict[str, asyncio.Future[_Answer]] = {}
        self.seq = 0
        self.reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            text = raw if isinstance(raw, str) else raw.decode()
            if text.startswith('{"type":"result"') or text.startswith('{"type":"error"'):
                answer = _decode.decode(text)
                fut = self.waiting.pop(answer.rid or "", None)
                if fut is not None and not fut.done():
                    fut.set_result(answer)

    async def ask(self, message: dict[str, Any]) -> _Answer:
        self.seq += 1
        rid = f"{self.user}-{self.seq}"
        fut: asyncio.Future[_Answer] = asyncio.get_running_loop().create_future()
        self.waiting[rid] = fut
        await self.ws.send(json.dumps({**message, "rid": rid, "key": rid}))
        return await asyncio.wait_for(fut, 60)


class Round:
    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.latencies_ms: list[float] = []
        self.groups: list[str] = []
        self.first = 0.0
        self.last = 0.0

    def record(self, started: float, answer: _Answer) -> None:
        now = time.perf_counter()
        self.latencies_ms.append(round((now - started) * 1000, 3))
        code = "ok" if answer.type == "result" else (answer.code or "error")
        if answer.type == "result" and answer.data and answer.data.get("status") == "complete":
            code = "ok_complete"
        self.codes[code] = self.codes.get(code, 0) + 1
        self.last = time.time()

    def report(self) -> dict[str, Any]:
        return {"codes": self.codes, "latencies_ms": self.latencies_ms, "groups": self.groups,
                "first": self.first, "last": self.last}


async def open_groups(viewers: list[Viewer], deal: str) -> Round:
    r = Round()
    r.first = time.time()

    async def one(v: Viewer) -> None:
        started = time.perf_counter()
        answer = await v.ask({"type": "group_open", "deal": deal})
        r.record(started, answer)
        if answer.type == "result" and answer.data:
            r.groups.append(answer.data["group"])

    await asyncio.gather(*(one(v) for v in viewers))
    return r


async def join_groups(viewers: list[Viewer], groups: list[str], tries: int, seed: int) -> Round:
    r = Round()
    r.first = time.time()
    rng = random.Random(seed)

    async def one(v: Viewer) -> None:
        for _ in range(tries):
            if not groups:
                return
            started = time.perf_counter()
            answer = await v.ask({"type": "group_join", "group": rng.choice(groups)})
            r.record(started, answer)
            if answer.type == "result" or answer.code not in RETRY:
                return

    await asyncio.gather(*(one(v) for v in viewers))
    return r


async def run(spec: dict[str, Any]) -> None:
    from livecore.auth import issue

    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(50)
    viewers: dict[str, Viewer] = {}
    failures = 0

    async def join(i: int, user: str) -> None:
        nonlocal failures
        url = spec["urls"][i % len(spec["urls"])] + "?token=" + issue(spec["secret"], user, name=f"观众{user}")
        for attempt in range(3):
            async with gate:
                try:
                    ws = await connect(url, compression=None, max_size=2**22, open_timeout=60)
                    await ws.send(json.dumps({"type": "join", "room": spec["room"], "rid": "j"}))
                    while True:  # the joined answer (frames may come first)
                        text = await asyncio.wait_for(ws.recv(), 60)
                        if isinstance(text, str) and text.startswith('{"type":"joined"'):
                            break
                    viewers[user] = Viewer(user, ws)
                    return
                except Exception:  # counted as a failed connection, retried
                    if attempt == 2:
                        failures += 1
            await asyncio.sleep(0.5)

    await asyncio.gather(*(join(i, u) for i, u in enumerate(spec["users"])))
    print(f"READY {len(viewers)} {failures}", flush=True)
    openers = [viewers[u] for u in spec["openers"] if u in viewers]
    joiners = [v for u, v in viewers.items() if u not in set(spec["openers"])]
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).split()
        if not line or line[0] != "GO":
            break
        await asyncio.sleep(max(0.0, float(line[1]) - time.time()))
        if line[2] == "open":
            result = await open_groups(openers, line[3])
        else:
            groups = json.loads(Path(line[3]).read_text())
            result = await join_groups(joiners, groups, spec["tries"], spec["seed"])
        out = Path(spec["out"] + f".{line[2]}.json")
        out.write_text(json.dumps({**result.report(), "connected": len(viewers), "failures": failures}))
        print(f"DONE {out}", flush=True)
    for v in viewers.values():
        await v.ws.close()
