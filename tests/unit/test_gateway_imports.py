"""The gateway's connection logic stands on its own: it does not import the server (no import circle), and
neither it nor the shared node state imports a WebSocket library; only the transports do."""

from __future__ import annotations

import subprocess
import sys


def test_connection_logic_imports_neither_the_server_nor_a_transport() -> None:
    probe = ("import sys, livecore.gateway.connection, livecore.gateway.node; "
             "bad = [m for m in ('livecore.gateway.server', 'livecore.gateway.transport_picows', "
             "'livecore.gateway.transport_websockets', 'picows', 'websockets.asyncio.server') if m in sys.modules]; "
             "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
