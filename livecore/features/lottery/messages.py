"""The client message of lotteries (福袋)."""

from __future__ import annotations

from ...protocol.client import ClientMsg


class Enter(ClientMsg, tag="enter"):
    """Enter a lottery draw (福袋)."""

    lottery: str
    rid: str | None = None
