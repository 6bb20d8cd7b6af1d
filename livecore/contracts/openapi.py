"""OpenAPI 3.1 document of the HTTP API, built from the route table (``livecore.api.app.ROUTE_MODULES``) and the
operations table (``livecore.api.operations``): paths and methods from the routes, bodies and answers from the
msgspec Structs, error answers from each operation's auth, body and path parameters."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.routing import Route

from .. import __version__
from ..api.app import ROUTE_MODULES, collect_routes
from ..api.operations import OPERATIONS, ErrorBody, Op
from ..api.write_limits import EXEMPT, READS

REF = "#/components/schemas/{name}"
_REASONS = {200: "OK", 201: "Created", 307: "Redirect", 400: "bad input (`invalid`)",
            401: "no valid token (`unauthorized`)", 403: "the token does not allow this (`forbidden`)",
            404: "unknown id (`not_found`)", 409: "refused in the current state (see the error code)",
            413: "body too large", 429: "rate limited (`rate_limited`)",
            503: "a dependency is down (`unavailable`): retry"}
_TOKEN: list[dict[str, list[str]]] = [{"bearer": []}, {"queryToken": []}]
_SECURITY = {"host": _TOKEN, "token": _TOKEN, "signature": [{"signature": []}]}


class ContractError(Exception):
    pass


def _codes(op: Op, has_path_params: bool, path: str, method: str) -> list[int]:
    codes = {op.ok, *op.errors}
    if method.upper() not in READS and path.startswith("/api/") and path not in EXEMPT:
        codes.add(429)  # the write limits (``livecore.api.write_limits``)
    if op.body is not None or op.query or has_path_params:
        codes.add(400)  # includes values the database cannot take (a NUL character)
    if op.auth in ("host", "token", "signature"):
        codes.add(401)
    if op.auth in ("host", "token"):
        codes.add(403)  # a host's token is bound to its room
    if has_path_params:
        codes.add(404)
    return sorted(codes)


def _operations() -> list[tuple[str, str, Route, Op]]:
    out: list[tuple[str, str, Route, Op]] = []
    seen: set[Any] = set()
    for route in collect_routes(ROUTE_MODULES):
        if not isinstance(route, Route):
            continue  # mounts (static assets) are not operations
        op = OPERATIONS.get(route.endpoint)
        if op is None:
            raise ContractError(f"route {route.path} ({route.endpoint.__name__}) has no entry in OPERATIONS")
        seen.add(route.endpoint)
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            out.append((route.path, method.lower(), route, op))
    names = [fn.__name__ for fn in OPERATIONS]
    if len(set(names)) != len(names):
        raise ContractError("two handlers share a name; operation ids must be unique")
    stale = [fn.__name__ for fn in OPERATIONS if fn not in seen]
    if stale:
        raise ContractError(f"OPERATIONS names handlers no route serves: {stale}")
    return out


def _schema_of(kind: Any, components: dict[str, Any], cache: dict[Any, Any]) -> dict[str, Any]:
    if kind not in cache:
        (schema,), comps = msgspec.json.schema_components([kind], ref_template=REF)
        components.update(comps)
        cache[kind] = schema
    return dict(cache[kind])


def openapi_document() -> dict[str, Any]:
    components: dict[str, Any] = {}
    cache: dict[Any, Any] = {}
    error_ref = _schema_of(ErrorBody, components, cache)
    paths: dict[str, dict[str, Any]] = {}
    ids: set[str] = set()
    for path, method, route, op in _operations():
        names = list(route.param_convertors)
        op_id = route.endpoint.__name__
        if op_id in ids:  # one handler on two paths (``/`` and ``/console``)
            op_id += "_" + "".join(ch if ch.isalnum() else "_" for ch in path).strip("_")
        ids.add(op_id)
        item: dict[str, Any] = {"operationId": op_id, "summary": op.summary}
        if op.tags:
            item["tags"] = list(op.tags)
        params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names]
        params += [{"name": p.name, "in": "query", "required": p.required,
                    **({"description": p.description} if p.description else {}),
                    "schema": _schema_of(p.kind, components, cache)} for p in op.query]
        if params:
            item["parameters"] = params
        if op.body is not None:
            item["requestBody"] = {"required": not op.body_optional,
                                   "content": {"application/json": {"schema": _schema_of(op.body, components, cache)}}}
        if op.auth in _SECURITY:
            item["security"] = _SECURITY[op.auth]
        responses: dict[str, Any] = {}
        for code in _codes(op, bool(names), path, method):
            answer: dict[str, Any] = {"description": _REASONS.get(code, str(code))}
            if code < 300 and op.media:
                schema = _schema_of(op.returns, components, cache) if op.returns is not None else (
                    {"type": "object"} if op.media == "application/json" else {"type": "string"})
                answer["content"] = {op.media: {"schema": schema}}
            elif code >= 400:
                answer["content"] = {"application/json": {"schema": error_ref}}
            responses[str(code)] = answer
        item["responses"] = responses
        paths.setdefault(path, {})[method] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": "livecore HTTP API", "version": __version__, "license": {"name": "Apache-2.0"},
                 "description": "Served by `livecore api`. Money in integer cents, times in epoch milliseconds. "
                                "Errors are `{\"error\": {\"code\", \"message\"}}` with the codes of the WebSocket "
                                "protocol plus `unauthorized`. Prose: docs/api.md."},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "queryToken": {"type": "apiKey", "in": "query", "name": "token"},
                "signature": {"type": "apiKey", "in": "header", "name": "X-Livecore-Signature",
                              "description": "sha256=<hex HMAC-SHA256 of the body>"},
            },
        },
    }
