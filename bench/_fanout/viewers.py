"""A pool of viewer connections inside one load-generator process: drainers or probes.

Drainers only count frames and bytes. Probes decode every frame with the project's own wire schema and
record, per bench barrage, the delay from the sender's clock (written in the text) to receipt, and every
gift offset they see, so the orchestrator can check that no gift went missing.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import msgspec
from hdrh.histogram import HdrHistogram

from livecore.auth import issue
from livecore.protocol.codec import event_decoder, server_decoder
from livecore.protocol.events import ChatEvent, GiftEvent
from livecore.protocol.server import Frame

from .conn import SharedBuffer, Viewer, message_type, open_viewer
from .stats import GIFTER_PREFIX, ProbeCounts, Window, new_histogram, parse_barrage


@dataclass(frozen=True, slots=True)
class Target:
    host: str
    port: int
    path: str = "/ws"


class Probe:
    """Parses every text frame of one viewer."""

    def __init__(self, window: Window, hists: dict[str, HdrHistogram], gateway: int = 0) -> None:
        self.window = window
        self.gateway = gateway  # index of the target this probe is connected to
        self.latency = hists["latency"]  # sender clock -> receipt
        self.ingest = hists["ingest"]  # sender clock -> the gateway's publish ts (chat pipeline, Redis)
        self.deliver = hists["deliver"]  # publish ts -> receipt (bus, merge tick, fan-out)
        self.gift_latency = hists["gift_latency"]  # publish ts -> receipt, for gifts
        self.counts = ProbeCounts()

    def on_text(self, payload: bytes, now: float) -> None:
        c = self.counts
        try:
            msg = server_decoder.decode(payload)
        except msgspec.DecodeError:
            c.decode_errors += 1
            return
        kind = type(msg).__name__.lower()
        c.messages[kind] = c.messages.get(kind, 0) + 1
        if not isinstance(msg, Frame):
            return
        window = self.window
        now_ms = now * 1000.0
        for raw in msg.events:
            try:
                event = event_decoder.decode(raw)
            except msgspec.DecodeError:
                c.decode_errors += 1
                continue
            if isinstance(event, ChatEvent):
                sent_ms = parse_barrage(event.text)
                if sent_ms is None:
                    c.other_events += 1
                    continue
                c.barrage_total += 1
                if window.contains(event.ts / 1000.0):  # the budget is per second of publisher time
                    c.barrage_in_window += 1
                    second = int(event.ts / 1000.0 - window.t0)
                    c.barrage_by_second[second] = c.barrage_by_second.get(second, 0) + 1
                if window.contains(sent_ms / 1000.0):
                    c.barrage_sent_in_window += 1
                    self.latency.record_value(max(1, int((now_ms - sent_ms) * 1000)))
                    if event.ts:
                        self.ingest.record_value(max(1, (event.ts - sent_ms) * 1000))
                        self.deliver.record_value(max(1, int((now_ms - event.ts) * 1000)))
            elif isinstance(event, GiftEvent) and event.user.startswith(GIFTER_PREFIX):
                key = event.offset or event.id
                if key in c.gift_offsets:
                    c.duplicate_gifts += 1
                    continue
                c.gift_offsets[key] = now
                if window.contains(event.ts / 1000.0):
                    c.gifts_in_window += 1
                    self.gift_latency.record_value(max(1, int((now_ms - event.ts) * 1000)))
            else:
                c.other_events += 1


class ViewerPool:
    def __init__(self, targets: list[Target], room: str, secret: str, first: int, count: int, *,
                 probes: bool, concurrency: int = 64, user_prefix: str = "fo-v") -> None:
        self.targets = targets
        self.room = room
        self.secret = secret
        self.first = first
        self.count = count
        self.is_probe = probes
        self.concurrency = concurrency
        self.user_prefix = user_prefix
        self.buf = SharedBuffer()
        self.window = Window()
        self.hists = {name: new_histogram() for name in ("latency", "ingest", "deliver", "gift_latency")}
        self.viewers: list[Viewer] = []
        self.probes: list[Probe] = []
        self.connect_errors: dict[str, int] = {}
        self.snapshots: dict[str, tuple[int, int, int]] = {}

    async def connect(self, retries: int = 3, part: tuple[int, int] | None = None) -> float:
        """Open the pool's connections, or only indices ``part`` = (start, stop) of them (staged joining)."""
        started = time.monotonic()
        lo, hi = part if part is not None else (self.first, self.first + self.count)
        gate = asyncio.Semaphore(self.concurrency)
        join = msgspec.json.encode({"type": "join", "room": self.room})

        async def one(index: int) -> None:
            target = self.targets[index % len(self.targets)]
            token = issue(self.secret, f"{self.user_prefix}{index}", role="viewer")
            path = f"{target.path}?token={token}"
            probe = Probe(self.window, self.hists, index % len(self.targets)) if self.is_probe else None
            for attempt in range(retries + 1):
                async with gate:
                    try:
                        viewer, first = await open_viewer(
                            target.host, target.port, path, join, buf=self.buf,
                            on_text=probe.on_text if probe else None)
                    except (TimeoutError, OSError, ConnectionError) as exc:
                        reason = type(exc).__name__ + (f": {exc}" if str(exc) else "")
                        if attempt == retries:
                            self.connect_errors[reason[:120]] = self.connect_errors.get(reason[:120], 0) + 1
                            return
                    else:
                        if message_type(first) != "joined":  # e.g. "unavailable, retry": try again
                            viewer.close()
                            if attempt == retries:
                                key = "not joined: " + first[:100].decode("utf-8", "replace")
                                self.connect_errors[key] = self.connect_errors.get(key, 0) + 1
                                return
                            await asyncio.sleep(0.5 * 2 ** attempt)
                            continue
                        self.viewers.append(viewer)
                        if probe is not None:
                            self.probes.append(probe)
                        return
                await asyncio.sleep(0.5 * 2 ** attempt)

        await asyncio.gather(*(one(i) for i in range(lo, hi)))
        return time.monotonic() - started

    async def heartbeat(self, interval_s: float) -> None:
        """Application pings, spread evenly over ``interval_s`` so the gateway never sees a burst."""
        ping = msgspec.json.encode({"type": "ping"})
        step = 0
        while True:
            await asyncio.sleep(1.0)
            viewers = self.viewers
            if not viewers:
                continue
            per_second = max(1, int(len(viewers) / max(interval_s, 1.0)) + 1)
            for i in range(per_second):
                viewers[(step + i) % len(viewers)].send_text(ping)
            step = (step + per_second) % len(viewers)

    def snapshot(self, name: str) -> None:
        frames = payload = total = 0
        for v in self.viewers:
            s = v.scanner
            frames += s.frames
            payload += s.payload_bytes
            total += s.bytes
        self.snapshots[name] = (frames, payload, total)

    def closed(self) -> dict[str, int]:
        codes: dict[str, int] = {}
        for v in self.viewers:
            if v.closed.done():
                key = str(v.closed.result())
                codes[key] = codes.get(key, 0) + 1
        return codes

    def report(self) -> dict[str, object]:
        a = self.snapshots.get("t0", (0, 0, 0))
        b = self.snapshots.get("t1", a)
        return {
            "connected": len(self.viewers),
            "connect_errors": self.connect_errors,
            "closed": self.closed(),
            "frames": b[0] - a[0],
            "payload_bytes": b[1] - a[1],
            "bytes": b[2] - a[2],
            **{name: h.encode().decode() if h.get_total_count() else "" for name, h in self.hists.items()},
            "probes": [
                {
                    "gateway": p.gateway,
                    "barrage_in_window": p.counts.barrage_in_window,
                    "barrage_total": p.counts.barrage_total,
                    "barrage_sent_in_window": p.counts.barrage_sent_in_window,
                    "barrage_by_second": p.counts.barrage_by_second,
                    "gifts_in_window": p.counts.gifts_in_window,
                    "gift_offsets": p.counts.gift_offsets,
                    "duplicate_gifts": p.counts.duplicate_gifts,
                    "other_events": p.counts.other_events,
                    "messages": p.counts.messages,
                    "decode_errors": p.counts.decode_errors,
                }
                for p in self.probes
            ],
        }

    def close(self) -> None:
        for v in self.viewers:
            v.close()
