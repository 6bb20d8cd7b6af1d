"""Sender clients: barrage at a fixed offered rate and a steady trickle of gifts, over the normal path.

Every sender is an ordinary joined viewer (so it also receives, and counts, the room's frames). Barrage texts
are all distinct (duplicate suppression must not be what drops them) and carry the sender's clock; gifts
carry a unique idempotency key and a request id, and count as sent only when the gateway answers ``result``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec

from livecore.auth import issue
from livecore.protocol.codec import server_decoder
from livecore.protocol.server import Error, Result

from .conn import SharedBuffer, Viewer, message_type, open_viewer
from .stats import GIFTER_PREFIX, Window, barrage_text
from .viewers import Target

DEFAULT_PAD = "主播好 这件多少钱 hello"


class _Answers:
    """Request answers and refusals seen by one sender connection."""

    def __init__(self, pool: SenderPool) -> None:
        self.pool = pool

    def on_text(self, payload: bytes, now: float) -> None:
        if payload.startswith(b'{"type":"frame"'):
            return
        try:
            msg = server_decoder.decode(payload)
        except msgspec.DecodeError:
            self.pool.decode_errors += 1
            return
        if isinstance(msg, Result) and msg.rid and msg.rid.startswith("g"):
            self.pool.gift_answered(msg.rid, msg.data, None)
        elif isinstance(msg, Error):
            if msg.rid and msg.rid.startswith("g"):
                self.pool.gift_answered(msg.rid, None, msg.code)
            else:
                self.pool.errors[msg.code] = self.pool.errors.get(msg.code, 0) + 1


class SenderPool:
    def __init__(self, targets: list[Target], room: str, secret: str, senders: int, gifters: int, *,
                 run_id: str, gift: str = "rose", pad: str = DEFAULT_PAD) -> None:
        self.targets = targets
        self.room = room
        self.secret = secret
        self.n_senders = senders
        self.n_gifters = gifters
        self.run_id = run_id
        self.gift = gift
        self.pad = pad
        self.buf = SharedBuffer()
        self.chatters: list[Viewer] = []
        self.gifters: list[Viewer] = []
        self.connect_errors: dict[str, int] = {}
        self.errors: dict[str, int] = {}  # refusals of barrage, by error code
        self.decode_errors = 0
        self.window = Window()
        self.barrage_sent = 0
        self.barrage_in_window = 0
        self.gifts_sent = 0
        self.gifts_in_window = 0
        self.gift_send_time: dict[str, float] = {}
        self.gifts_ok: dict[str, float] = {}  # rid -> answer time
        self.gift_offsets: dict[str, float] = {}  # offset (when the answer names it) -> send time
        self.gift_refused: dict[str, int] = {}
        self.snapshots: dict[str, int] = {}

    def gift_answered(self, rid: str, data: dict[str, Any] | None, code: str | None) -> None:
        if code is not None:
            self.gift_refused[code] = self.gift_refused.get(code, 0) + 1
            return
        self.gifts_ok[rid] = time.time()
        offset = (data or {}).get("offset")
        if isinstance(offset, str):
            self.gift_offsets[offset] = self.gift_send_time.get(rid, 0.0)

    async def connect(self) -> float:
        started = time.monotonic()
        join = msgspec.json.encode({"type": "join", "room": self.room})

        async def one(user: str, index: int, into: list[Viewer]) -> None:
            target = self.targets[index % len(self.targets)]
            token = issue(self.secret, user, role="viewer")
            try:
                viewer, first = await open_viewer(target.host, target.port, f"{target.path}?token={token}",
                                                  join, buf=self.buf, on_text=_Answers(self).on_text)
            except (TimeoutError, OSError, ConnectionError) as exc:
                key = f"{type(exc).__name__}: {exc}"[:120]
                self.connect_errors[key] = self.connect_errors.get(key, 0) + 1
                return
            if message_type(first) != "joined":
                key = "not joined: " + first[:100].decode("utf-8", "replace")
                self.connect_errors[key] = self.connect_errors.get(key, 0) + 1
                viewer.close()
                return
            into.append(viewer)

        await asyncio.gather(*(one(f"fo-s{self.run_id}-{i}", i, self.chatters) for i in range(self.n_senders)),
                             *(one(f"{GIFTER_PREFIX}{self.run_id}-{i}", i, self.gifters)
                               for i in range(self.n_gifters)))
        return time.monotonic() - started

    async def send(self, start: float, stop: float, rate: float, gift_rate: float) -> None:
        """Offer ``rate`` barrage/s and ``gift_rate`` gifts/s from ``start`` to ``stop`` (wall clock)."""
        await asyncio.sleep(max(0.0, start - time.time()))
        chat_seq = gift_seq = 0
        while True:
            now = time.time()
            if now >= stop:
                break
            elapsed = now - start
            due = int(elapsed * rate)
            now_ms = int(now * 1000)
            in_window = self.window.contains(now_ms / 1000.0)  # exactly as the probes judge it
            while chat_seq < due and self.chatters:
                sender = self.chatters[chat_seq % len(self.chatters)]
                text = barrage_text(chat_seq, now_ms, self.pad)
                sender.send_text(msgspec.json.encode({"type": "chat", "text": text}))
                chat_seq += 1
                self.barrage_sent += 1
                if in_window:
                    self.barrage_in_window += 1
            gifts_due = int(elapsed * gift_rate)
            while gift_seq < gifts_due and self.gifters:
                gifter = self.gifters[gift_seq % len(self.gifters)]
                rid = f"g{gift_seq}"
                self.gift_send_time[rid] = now
                gifter.send_text(msgspec.json.encode(
                    {"type": "gift", "gift": self.gift, "count": 1, "key": f"{self.run_id}-{gift_seq}",
                     "rid": rid}))
                gift_seq += 1
                self.gifts_sent += 1
                if in_window:
                    self.gifts_in_window += 1
            await asyncio.sleep(0.005)

    def snapshot(self, name: str) -> None:
        self.snapshots[name] = sum(v.scanner.frames for v in self.chatters + self.gifters)

    def report(self) -> dict[str, object]:
        closed: dict[str, int] = {}
        for v in self.chatters + self.gifters:
            if v.closed.done():
                closed[str(v.closed.result())] = closed.get(str(v.closed.result()), 0) + 1
        return {
            "connected": len(self.chatters) + len(self.gifters),
            "connect_errors": self.connect_errors,
            "closed": closed,
            "frames": self.snapshots.get("t1", 0) - self.snapshots.get("t0", 0),
            "barrage_sent": self.barrage_sent,
            "barrage_in_window": self.barrage_in_window,
            "barrage_refused": self.errors,
            "gifts_sent": self.gifts_sent,
            "gifts_in_window": self.gifts_in_window,
            "gifts_ok": len(self.gifts_ok),
            "gifts_refused": self.gift_refused,
            "gift_offsets": self.gift_offsets if len(self.gift_offsets) == len(self.gifts_ok) else None,
            "decode_errors": self.decode_errors,
        }

    def close(self) -> None:
        for v in self.chatters + self.gifters:
            v.close()
