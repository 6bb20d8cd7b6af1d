"""The client messages of group-buy (拼团)."""

from __future__ import annotations

from ...protocol.client import ClientMsg


class GroupOpen(ClientMsg, tag="group_open"):
    """Open a group of a group deal (开团), holding one unit at the group price."""

    deal: str
    key: str  # idempotency key chosen by the client; a retry returns the first answer
    rid: str | None = None


class GroupJoin(ClientMsg, tag="group_join"):
    """Join an open group (参团); the join that fills it completes the group."""

    group: str
    key: str
    rid: str | None = None
