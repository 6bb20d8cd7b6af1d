"""When the demo's scripted host steps aside (pure).

The scripted host keeps the demo room moving until a person takes over: it moves only while the console's
switch (room state ``demo_host``) says ``running`` and no person has made a host move for ``quiet_s``. A
person's move is any audit row of the room by another actor than the scripted host, made after the scripted
host started (the seeding before it does not count), except flipping the switch itself (turning it back on
must not make it wait).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SWITCH_ACTION = "demo.host"


def last_person_move(rows: Iterable[Mapping[str, Any]], demo_actor: str, since_ms: int) -> int | None:
    """The time (ms) of the newest host move by a person since ``since_ms``; ``None`` when there is none."""
    times = [int(r["at"]) for r in rows
             if r.get("actor") != demo_actor and r.get("action") != SWITCH_ACTION and int(r.get("at") or 0) >= since_ms]
    return max(times) if times else None


def should_move(mode: str | None, last_person_ms: int | None, now_ms: int, quiet_s: float) -> bool:
    """Whether the scripted host makes its next move now."""
    if mode not in (None, "running"):
        return False
    return last_person_ms is None or now_ms - last_person_ms >= quiet_s * 1000
