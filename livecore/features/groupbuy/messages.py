"""The client messages of group-buy (拼团)."""

from __future__ import annotations

from ...protocol.client import ClientMsg
from ..share.messages import Code


class GroupOpen(ClientMsg, tag="group_open"):
    """Open a group of a group deal (开团), holding one unit at the group price."""

    deal: str
    key: str  # idempotency key chosen by the client; a retry returns the first answer
    rid: str | None = None


class GroupJoin(ClientMsg, tag="group_join"):
    """Join an open group (参团); the join that fills it completes the group. ``share``: the share code of the link
    the viewer came through (``?share=``), which attributes the join to its sharer; it never refuses the join."""

    group: str
    key: str
    rid: str | None = None
    share: Code | None = None
