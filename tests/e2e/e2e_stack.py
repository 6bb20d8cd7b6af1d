"""A deployment under test (gateway, API and worker subprocesses) and how tests talk to its API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from livecore.config import Settings
from livecore.demo.procs import Deployment
from livecore.runtime import drop_keys, redis_client
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
