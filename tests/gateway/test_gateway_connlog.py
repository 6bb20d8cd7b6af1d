"""One log line per gateway connection: who, which room, how long, the close code and who closed."""

from __future__ import annotations

import logging

import pytest
from gwhelpers import token, until, url
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from livecore.client import LiveClient
from livecore.gateway.connlog import closed_by, connection_line


def test_the_line_is_logfmt() -> None:
    line = connection_line(("127.0.0.1", 5000), "ann", "demo", 1.26, "1000", "", "client")
    assert line == 'conn peer=127.0.0.1:5000 user=ann room=demo secs=1.3 code=1000 by=client reason=""'
    assert connection_line(None, 'a "b"', "-", 0, "4002", "idle too long", "server").endswith(
        'user="a \\"b\\"" room=- secs=0.0 code=4002 by=server reason="idle too long"')
    assert (closed_by(True), closed_by(False), closed_by(None)) == ("client", "server", "-")


async def test_each_connection_logs_one_line_when_it_ends(settings, start_gateway, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="livecore.connections")
    gw = await start_gateway()
    client = await LiveClient(url(gw.port), token(settings, "ann"), reconnect=False).connect()
    await client.join("r7")
    await client.close()
    with pytest.raises(InvalidStatus):
        async with connect(url(gw.port) + "?token=" + token(settings, "bob", ttl_s=-10)):
            pass
    async with connect(url(gw.port) + "?token=" + token(settings, "cat", ttl_s=-10),
                       origin="http://page.test") as ws:  # a browser: accepted, then closed 4502
        await ws.wait_closed()
    await until(lambda: len([r for r in caplog.records if r.name == "livecore.connections"]) >= 3)
    lines = [r.getMessage() for r in caplog.records if r.name == "livecore.connections"]
    assert len(lines) == 3, lines
    assert ' code=4502 by=server reason="token expired"' in lines[2], lines
    assert " user=ann room=r7 " in lines[0] and " code=1000 by=client" in lines[0], lines
    assert " code=401 by=server reason=\"token expired\"" in lines[1], lines


async def test_the_connection_log_can_be_turned_off(settings, start_gateway, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="livecore.connections")
    gw = await start_gateway(access_log=False)
    client = await LiveClient(url(gw.port), token(settings, "ann"), reconnect=False).connect()
    await client.close()
    await until(lambda: gw.stats.connections == 0)
    assert not [r for r in caplog.records if r.name == "livecore.connections"]
