"""``/openapi.json`` (the generated OpenAPI 3.1 document) and ``/docs`` (a plain page listing the operations,
no scripts or CDN, so it works offline)."""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from .deps import json


def _document(request: Request) -> dict[str, Any]:
    doc: dict[str, Any] | None = getattr(request.app.state, "openapi", None)
    if doc is None:
        from ..contracts.openapi import openapi_document  # the document reads the route table: built on first use
        doc = openapi_document()
        request.app.state.openapi = doc
    return doc


async def openapi(request: Request) -> Response:
    return json(_document(request))


async def docs(request: Request) -> Response:
    doc = _document(request)
    rows = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            codes = ", ".join(op["responses"])
            auth = "token" if op.get("security") else "public"
            rows.append(f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
                        f"<td>{html.escape(op['summary'])}</td><td>{auth}</td><td>{codes}</td></tr>")
    page = ("<!doctype html><html lang=en><meta charset=utf-8><title>livecore HTTP API</title>"
            "<style>body{font:14px system-ui,sans-serif;margin:2em}td{padding:2px 8px;vertical-align:top}"
            "tr:nth-child(even){background:#f4f4f4}</style>"
            f"<h1>{html.escape(doc['info']['title'])} {html.escape(doc['info']['version'])}</h1>"
            f"<p>{html.escape(doc['info']['description'])} The machine-readable document: "
            "<a href=/openapi.json>/openapi.json</a>.</p><table><tr><th>method<th>path<th>what<th>auth<th>answers"
            + "".join(rows) + "</table></html>")
    return HTMLResponse(page)


def routes() -> list[BaseRoute]:
    return [Route("/openapi.json", openapi), Route("/docs", docs)]
