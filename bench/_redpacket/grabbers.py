"""The viewers of one load-generator process: the flash-sale buyers' raw sockets (``_flashsale.buyers``) sending
``grab`` instead of ``buy``. Attempts go in pairs of one key (a grab, then its retry with the same key), so the
storm mixes fresh keys and retries: a user answered twice with different packets is a double grab."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import msgspec

from _fanout.wsframes import client_frame
from _flashsale.buyers import Buyer
from _flashsale.stats import Tally


class _Data(msgspec.Struct):
    index: int = -1
    amount: int = 0


class _Answer(msgspec.Struct):
    type: str
    code: str = ""
    data: _Data | None = None


_answer = msgspec.json.Decoder(_Answer)


class Grabber(Buyer):
    __slots__ = ("user",)

    def __init__(self, user: str, *args: Any) -> None:
        super().__init__(*args)
        self.user = user

    def _send(self) -> None:
        self.seq += 1
        self.left -= 1
        self.sent_at = time.perf_counter()
        key = str((self.seq + 1) // 2).encode()  # 1, 1, 2, 2, ...: every other attempt retries the key before
        self.transport.write(client_frame(self.prefix + key + b'"}'))  # type: ignore[union-attr]

    def _answered(self, payload: bytes) -> None:
        if self.sent_at == 0.0:
            return
        latency = time.perf_counter() - self.sent_at
        self.sent_at = 0.0
        answer = _answer.decode(payload)
        if answer.type == "result" and answer.data is not None:
            self.tally.done(time.time(), latency, "ok", f"{self.user}:{answer.data.index}:{answer.data.amount}")
        else:
            self.tally.done(time.time(), latency, answer.code or "error")
        if self.left > 0:
            self._send()
        elif not self.finished.done():
            self.finished.set_result(None)


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    """A child process: connect and join every viewer, say READY, wait for ``GO <epoch>``, grab, report."""
    from livecore.auth import issue

    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(spec.get("join_concurrency", 50))
    viewers: list[Grabber] = []
    failures: list[str] = []
    join = json.dumps({"type": "join", "room": spec["room"]}).encode()
    tally = Tally(epoch=0.0)

    async def connect(i: int, user: str) -> None:
        url = urlsplit(spec["urls"][i % len(spec["urls"])])
        path = f"{url.path}?token={quote(issue(spec['secret'], user))}"
        prefix = user.encode()  # completed with the rain's id once it is launched
        host, port = url.hostname or "127.0.0.1", url.port or 80
        for attempt in range(3):
            async with gate:
                try:
                    _, viewer = await loop.create_connection(
                        lambda: Grabber(user, host, port, path, join, prefix, spec["attempts"], tally), host, port)
                    await asyncio.wait_for(viewer.joined, 60)
                    viewers.append(viewer)
                    return
                except (TimeoutError, OSError, ConnectionError) as exc:
                    if attempt == 2:
                        failures.append(f"{user}: {exc}")
            await asyncio.sleep(0.5)

    await asyncio.gather(*(connect(i, u) for i, u in enumerate(spec["users"])))
    print(f"READY {len(viewers)} {len(failures)}", flush=True)
    line = await loop.run_in_executor(None, sys.stdin.readline)  # "GO <epoch>"
    tally.epoch = float(line.split()[1])
    rain = Path(spec["rain_file"]).read_text().strip().encode()  # launched after every viewer joined
    for v in viewers:
        v.prefix = b'{"type":"grab","rain":"%s","key":"%s-' % (rain, v.prefix)
    while time.time() < tally.epoch:
        await asyncio.sleep(min(0.01, tally.epoch - time.time()))
    tally.first_sent = time.time()
    for v in viewers:
        v.start()
    results = await asyncio.gather(*(v.finished for v in viewers), return_exceptions=True)
    lost = [str(r) for r in results if isinstance(r, Exception)]
    for v in viewers:
        v.close()
    out = tally.to_json()
    out.update({"connected": len(viewers), "connect_failures": failures[:20], "n_connect_failures": len(failures),
                "lost_during_storm": len(lost), "lost_reasons": lost[:20]})
    return out
