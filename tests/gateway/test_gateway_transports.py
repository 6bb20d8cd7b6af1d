"""What each WebSocket server under the gateway (picows, websockets) must do alike: the plain HTTP answers,
the frame limits and the closing handshake. Every test runs once per transport (the ``transport`` fixture)."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request

import pytest
from gwhelpers import token, url
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Frame, Opcode


def _get(port: int, path: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode()


async def test_plain_http_answers(start_each) -> None:  # type: ignore[no-untyped-def]
    gw = await start_each()
    assert await asyncio.to_thread(_get, gw.port, "/healthz") == (200, "text/plain; charset=utf-8", "ok\n")
    status, kind, body = await asyncio.to_thread(_get, gw.port, "/metrics")
    assert status == 200 and kind.startswith("text/plain") and "livecore_gateway" in body
    assert await asyncio.to_thread(_get, gw.port, "/nope") == (404, "text/plain; charset=utf-8", "not found\n")
    status, _, body = await asyncio.to_thread(_get, gw.port, "/ws")
    assert (status, body) == (401, "unauthorized: token missing\n")
    with pytest.raises(InvalidStatus) as info:
        async with connect(f"ws://127.0.0.1:{gw.port}/elsewhere"):
            pass
    assert info.value.response.status_code == 404


async def test_a_fragmented_message_is_reassembled_and_limited_as_a_whole(settings, start_each) -> None:  # type: ignore[no-untyped-def]
    gw = await start_each(max_frame_bytes=1024)
    async with connect(url(gw.port) + "?token=" + token(settings, "frag"), compression=None) as ws:
        await ws.send(iter(['{"type":"ping",', '"t":7}']))  # two frames, one message
        assert b'"t":7' in await ws.recv(decode=False)
        await ws.send(iter(["x" * 600, "x" * 600]))  # each frame under the limit, the message over it
        with pytest.raises(ConnectionClosed) as info:
            await ws.recv()
    assert info.value.rcvd is not None and info.value.rcvd.code == 1009


async def test_invalid_utf8_text_is_closed_with_1007(settings, start_each) -> None:  # type: ignore[no-untyped-def]
    gw = await start_each()
    async with connect(url(gw.port) + "?token=" + token(settings, "utf"), compression=None) as ws:
        # a text frame whose payload is not UTF-8, written below the client's own check
        ws.transport.write(Frame(Opcode.TEXT, b"\xff\xfe").serialize(mask=True))
        with pytest.raises(ConnectionClosed) as info:
            await ws.recv()
    assert info.value.rcvd is not None and info.value.rcvd.code == 1007


async def test_a_client_close_is_answered_and_stop_closes_everyone_with_1012(settings, start_each) -> None:  # type: ignore[no-untyped-def]
    gw = await start_each()
    async with connect(url(gw.port) + "?token=" + token(settings, "leaver")) as ws:
        await ws.send('{"type":"join","room":"42"}')
        assert b'"joined"' in await ws.recv(decode=False)
    assert ws.close_code == 1000 and ws.protocol.close_rcvd is not None
    for _ in range(100):
        if gw.stats.connections == 0:
            break
        await asyncio.sleep(0.02)
    assert gw.stats.connections == 0 and not gw.connections
    clients = [await connect(url(gw.port) + "?token=" + token(settings, f"u{i}")) for i in range(3)]
    for ws in clients:
        await ws.send('{"type":"join","room":"42"}')
        assert b'"joined"' in await ws.recv(decode=False)
    await asyncio.wait_for(gw.stop(), 15)
    for ws in clients:
        with pytest.raises(ConnectionClosed):
            while True:
                await ws.recv()
        assert ws.protocol.close_rcvd is not None and ws.protocol.close_rcvd.code == 1012
    assert gw.stats.closes[1012] == 3
