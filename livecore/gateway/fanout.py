"""Writing one room frame to every local viewer: the hot loop.

The frame's WebSocket bytes (header + payload; server frames are unmasked and compression is off) are
serialized once and written straight to each viewer's transport, which is what ``websockets.broadcast`` does
minus re-serializing the frame per viewer. No task, no await and no encoding per viewer: a viewer whose
buffer is above the high-water mark gets the lite frame (or nothing), and one stuck above the limit is
returned to the caller to be closed with 4001.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from websockets.frames import Frame as WsFrame
from websockets.frames import Opcode

from ..core.slow import SlowPolicy, Verdict


class Viewer(Protocol):
    link: Any  # link.Link: ``open`` is read
    transport: Any  # asyncio.Transport: the link's, written to directly
    over_since: float | None

    def write(self, payload: bytes) -> None: ...  # one message to this viewer only (the join catch-up)


def wire_text(payload: bytes) -> bytes:
    """The complete WebSocket text frame for ``payload`` as the server sends it."""
    return WsFrame(Opcode.TEXT, payload).serialize(mask=False)


@dataclass(slots=True)
class FanoutStats:
    frames: int = 0  # frames written (full or lite)
    bytes: int = 0
    lite: int = 0  # frames written without lossy events to viewers that are behind
    skipped: int = 0  # frames not written at all to viewers that are behind (nothing but lossy events)
    slow_closed: int = 0
    rooms_ticked: int = 0
    drops: dict[str, int] = field(default_factory=dict)


def fan_out(viewers: Iterable[Viewer], full: bytes, lite: bytes | None, policy: SlowPolicy, now: float,
            stats: FanoutStats) -> list[Viewer]:
    """Write the frame to every open viewer; returns the viewers to close as slow consumers."""
    full_wire = wire_text(full)
    lite_wire = full_wire if lite is full else (wire_text(lite) if lite is not None else None)
    high_water = policy.high_water
    n_full = n_lite = n_skip = 0
    doomed: list[Viewer] = []
    for v in viewers:
        if not v.link.open:
            continue
        transport = v.transport
        if transport.get_write_buffer_size() <= high_water:
            transport.write(full_wire)
            n_full += 1
            if v.over_since is not None:
                v.over_since = None
            continue
        verdict, v.over_since = policy.judge(transport.get_write_buffer_size(), v.over_since, now)
        if verdict is Verdict.CLOSE:
            doomed.append(v)
        elif lite_wire is not None:
            transport.write(lite_wire)
            n_lite += 1
        else:
            n_skip += 1
    stats.frames += n_full + n_lite
    stats.bytes += n_full * len(full_wire) + (n_lite * len(lite_wire) if lite_wire is not None else 0)
    stats.lite += n_lite
    stats.skipped += n_skip
    stats.rooms_ticked += 1
    return doomed
