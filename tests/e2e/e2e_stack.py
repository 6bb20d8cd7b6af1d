"""A deployment under test (gateway, API and worker subprocesses) and how tests talk to its API."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livecore.config import Settings
from livecore.demo.procs import Deployment
from livecore.runtime import drop_keys, redis_client
from livecore.services.ports import free_port
from livecore.storage.db import drop_schema


@dataclass
class Stack:
    settings: Settings
    api_url: str
    gateway_url: str
    deployment: Deployment

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = "Bearer " + token
        req = urllib.request.Request(self.api_url + path, method=method, headers=headers,
                                     data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(req, timeout=15) as res:
                return json.loads(res.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path}: {exc.code} {exc.read().decode()}") from exc


async def cleanup(settings: Settings) -> None:
    """Drop the deployment's Redis keys and PostgreSQL schema."""
    redis = redis_client(settings.redis_url, cluster=settings.redis_cluster)
    try:
        await drop_keys(redis, settings.key_prefix)
    finally:
        await redis.aclose()
    await drop_schema(settings.database_url, settings.database_schema)


@contextmanager
def running_stack(base: Settings, logs: Path, *, gateway_port: int | None = None, **overrides: Any) -> Iterator[Stack]:
    """Gateway, API and worker on free ports (``gateway_port`` when given) under their own key prefix and schema,
    with ``overrides`` on top of ``base``; stopped and cleaned up on exit."""
    tag = "e" + uuid.uuid4().hex[:10]
    gateway_port, api_port = gateway_port or free_port(), free_port()
    settings = base.with_(key_prefix=tag, database_schema=tag, gateway_port=gateway_port, api_port=api_port,
                          host="127.0.0.1", **overrides)
    deployment = Deployment(settings, log_dir=logs)
    try:
        deployment.api(api_port)  # migrates the schema before it listens
        deployment.gateway(gateway_port)
        deployment.worker()
        yield Stack(settings, f"http://127.0.0.1:{api_port}", f"ws://127.0.0.1:{gateway_port}/ws", deployment)
    finally:
        deployment.stop()
        asyncio.run(cleanup(settings))
