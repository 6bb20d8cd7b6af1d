"""A tiny JSON-over-HTTP caller for the demo's scripted host and seeding (stdlib only, run in a thread)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class ApiRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


def call(base: str, method: str, path: str, body: Any = None, token: str | None = None, timeout: float = 15) -> Any:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = "Bearer " + token
    req = urllib.request.Request(base + path, method=method, headers=headers,
                                 data=None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return json.loads(res.read() or b"null")
    except urllib.error.HTTPError as exc:
        try:
            err = json.loads(exc.read())["error"]
        except (ValueError, KeyError, TypeError):
            err = {"code": "internal", "message": str(exc)}
        raise ApiRefused(exc.code, err.get("code", "internal"), err.get("message", "")) from exc
