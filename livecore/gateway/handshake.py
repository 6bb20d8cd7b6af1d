"""What a refused token gets at the opening handshake: an HTTP 401, or an accepted upgrade closed with a code.

A browser cannot read the status of a refused upgrade (its WebSocket reports 1006, the same as a network
failure), so it could not tell "sign in again" from "reconnect". Browsers always send an ``Origin`` header on
the upgrade; a request with one is accepted and then closed with 4501 (token missing, forged or malformed) or
4502 (token expired), which the page can read. Every other client (no ``Origin``: SDKs, bots, load balancers)
keeps the cheaper HTTP 401 with its one-line body. Pure: the transports (websockets, picows) both call it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..protocol.codes import CloseCode


@dataclass(frozen=True, slots=True)
class TokenRefusal:
    """``close_code`` None: answer HTTP 401 with ``body``; else accept, then close with it and ``reason``."""

    close_code: CloseCode | None
    reason: str

    @property
    def body(self) -> str:
        return f"unauthorized: token {self.reason}\n"


def refuse_token(origin: str | None, reason: str) -> TokenRefusal:
    """``reason`` is an ``AuthError.reason``: ``missing``, ``expired`` or ``invalid``."""
    if not origin:
        return TokenRefusal(None, reason)
    code = CloseCode.TOKEN_EXPIRED if reason == "expired" else CloseCode.UNAUTHORIZED
    return TokenRefusal(code, f"token {reason}")
