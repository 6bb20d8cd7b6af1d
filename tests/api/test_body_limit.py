"""The API refuses request bodies over ``max_body_bytes`` with 413 ``too_large``, before reading them in full:
by ``Content-Length`` at once, and while a chunked body streams in. A real uvicorn on a real socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
import uvicorn
from redis.asyncio import Redis

from livecore.api.app import build_app
from livecore.config import Settings
from livecore.services.ports import free_port

LIMIT = 4096


@pytest.fixture
async def api(settings: Settings, migrated: str, redis: Redis) -> AsyncIterator[int]:
    port = free_port()
    config = uvicorn.Config(build_app(settings.with_(max_body_bytes=LIMIT)), host="127.0.0.1", port=port,
                            lifespan="on", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
        assert not task.done(), "the API did not start"
    try:
        yield port
    finally:
        server.should_exit = True
        await task


async def exchange(port: int, head: bytes, chunks: list[bytes]) -> tuple[int, dict[str, object], bool]:
    """Send ``head`` and then ``chunks`` (stopping early when the server answers); the status, the JSON
    body and whether every chunk was sent before the answer came."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        await writer.drain()
        sent_all = True
        answer = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))
        for chunk in chunks:
            if answer.done():
                sent_all = False
                break
            writer.write(chunk)
            await writer.drain()
            await asyncio.sleep(0.01)
        status_head = (await asyncio.wait_for(answer, 10)).decode()
        status = int(status_head.split()[1])
        length = next(int(line.split(":")[1]) for line in status_head.split("\r\n")
                      if line.lower().startswith("content-length"))
        body = json.loads(await asyncio.wait_for(reader.readexactly(length), 10))
        return status, body, sent_all
    finally:
        writer.close()


def request_head(extra: str) -> bytes:
    return (f"POST /api/rooms HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n{extra}\r\n").encode()


async def test_a_declared_length_over_the_limit_is_refused_unread(api: int) -> None:
    status, body, _ = await exchange(api, request_head("Content-Length: 50000000\r\n"), [])
    assert status == 413
    assert body == {"error": {"code": "too_large", "message": f"request body over {LIMIT} bytes"}}


async def test_a_chunked_body_is_refused_while_it_streams(api: int) -> None:
    chunk = b"x" * 1024
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    status, body, sent_all = await exchange(api, request_head("Transfer-Encoding: chunked\r\n"), [framed] * 200)
    assert status == 413 and body["error"] == {"code": "too_large", "message": f"request body over {LIMIT} bytes"}
    assert not sent_all  # answered long before the 200 KiB were sent


async def test_a_body_under_the_limit_reaches_the_handler(api: int) -> None:
    payload = b'{"id": "", "title": "t"}'
    status, body, _ = await exchange(api, request_head(f"Content-Length: {len(payload)}\r\n"), [payload])
    assert status == 400 and body["error"]["code"] == "invalid"  # validated by the handler, not refused by size
