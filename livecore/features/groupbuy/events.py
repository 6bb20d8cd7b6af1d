"""The room event of group-buy (拼团): a group completed (成团) or dissolved, told once, reliably."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from ...protocol.events import _Event


class GroupEvent(_Event, tag="group", kw_only=True):
    group: str = ""
    deal: str = ""
    phase: Literal["completed", "dissolved"]
    data: dict[str, Any] = msgspec.field(default_factory=dict)  # size, price, title, members: [{user, name}]
