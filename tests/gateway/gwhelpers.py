"""Helpers shared by the gateway tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import msgspec

from livecore.auth import issue
from livecore.client import LiveClient
from livecore.config import Settings
from livecore.protocol.server import Frame


def token(settings: Settings, user: str, role: str = "viewer", room: str | None = None, ttl_s: int = 3600) -> str:
    return issue(settings.secret, user, role=role, room=room, ttl_s=ttl_s, name=f"name-{user}")


def url(port: int) -> str:
    return f"ws://127.0.0.1:{port}/ws"


async def until(predicate: Callable[[], bool], timeout: float = 10.0, step: float = 0.02) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(step)


def events_of(frame: Frame) -> list[dict[str, Any]]:
    return [msgspec.json.decode(e) for e in frame.events]


async def collect(client: LiveClient, predicate: Callable[[list[dict[str, Any]]], bool],
                  timeout: float = 15.0) -> list[dict[str, Any]]:
    """Events from frames until ``predicate(events_so_far)`` holds."""
    got: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate(got):
        left = deadline - loop.time()
        if left <= 0:
            raise AssertionError(f"timed out with {len(got)} events: {got[-5:]}")
        msg = await client.next(left)
        if isinstance(msg, Frame):
            got.extend(events_of(msg))
        elif msg is None and left > 0 and not client.connected and client.close_code is not None:
            raise AssertionError(f"client ended with {client.close_code}")
    return got
