"""The gateway's connection log: one logfmt line per WebSocket connection, when it ends (and one per refused
handshake), on the ``livecore.connections`` logger. ``LIVECORE_ACCESS_LOG=0`` turns it off.

    conn peer=127.0.0.1:52144 user=viewer1 room=demo secs=73.2 code=1000 by=client reason=""

``code`` is the close code (1006 when the connection dropped without a close frame; 401 for a refused token),
``by`` who sent the first close frame (``server``, ``client``, or ``-`` when none was exchanged).
"""

from __future__ import annotations

import logging
from typing import Any

conn_log = logging.getLogger("livecore.connections")


def _peer(address: Any) -> str:
    if isinstance(address, str) and address:
        return address
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return "-"


def _value(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"' if (not text or " " in text or '"' in text) \
        else text


def connection_line(peer: Any, user: str, room: str, secs: float, code: str, reason: str, by: str) -> str:
    """One logfmt line (pure)."""
    return (f"conn peer={_peer(peer)} user={_value(user)} room={_value(room)} secs={secs:.1f} code={code} "
            f"by={by} reason={_value(reason)}")


def closed_by(close_rcvd_then_sent: bool | None) -> str:
    """Who sent the first close frame, from the websockets protocol's ``close_rcvd_then_sent``."""
    return "-" if close_rcvd_then_sent is None else "client" if close_rcvd_then_sent else "server"
