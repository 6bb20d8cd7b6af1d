"""The room event of polls and quizzes: opened and closed, told reliably (with offsets); the live tallies are
room state (``poll``), never events."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from ...protocol.events import _Event


class PollEvent(_Event, tag="poll", kw_only=True):
    poll: str = ""
    phase: Literal["opened", "closed"]
    # opened: the poll (question, options, mode, ends_at...); closed: + its tallies, correct option and result
    data: dict[str, Any] = msgspec.field(default_factory=dict)
