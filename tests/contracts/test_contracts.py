"""The generated contracts: committed documents equal what the code generates, and each is a valid document of
its kind; every route has an operation; the API serves the same OpenAPI document it commits."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate
from redis.asyncio import Redis

from livecore.api.app import build_app
from livecore.api.operations import OPERATIONS
from livecore.config import Settings
from livecore.contracts import asyncapi_document, openapi_document, protocol_schema
from livecore.contracts.__main__ import DOCS, DOCUMENTS, main, render, stale
from livecore.protocol.codes import CLOSE_NOTES, ERROR_NOTES, CloseCode, ErrorCode, should_reconnect


def test_committed_documents_match_the_code() -> None:
    assert stale(DOCS) == [], "run `python -m livecore.contracts` and commit docs/contracts"


def test_the_drift_check_notices_a_change(tmp_path: Path) -> None:
    assert main(["--out", str(tmp_path)]) == 0
    assert main(["--check", "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "openapi.json").read_text())
    doc["paths"].pop("/api/config")
    (tmp_path / "openapi.json").write_text(render(doc))
    assert stale(tmp_path) == ["openapi.json"]
    assert main(["--check", "--out", str(tmp_path)]) == 1


def test_openapi_is_valid_3_1_and_covers_every_route() -> None:
    doc = openapi_document()
    assert doc["openapi"] == "3.1.0"
    validate(doc)
    ops = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(set(ops)) == len(ops) and {fn.__name__ for fn in OPERATIONS} <= set(ops)
    buy = doc["paths"]["/api/rooms/{room}/sales/{sale}/buy"]["post"]
    assert buy["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/BuyIn"}
    assert doc["components"]["schemas"]["BuyIn"]["required"] == ["key"]
    assert {"400", "401", "404", "409", "503"} <= set(buy["responses"])


def test_protocol_schema_has_every_message_and_the_codes() -> None:
    from livecore.protocol.codec import AnyRoomEvent as RoomEvent
    from livecore.protocol.codec import ClientMessage
    from livecore.protocol.server import ServerMessage
    defs = protocol_schema()["$defs"]
    for union in (ClientMessage, ServerMessage, RoomEvent):
        for t in union.__args__:
            assert defs[t.__name__]["properties"]["type"]["enum"] == [t.__struct_config__.tag]
    assert defs["Frame"]["properties"]["events"]["items"] == {"$ref": "#/$defs/RoomEvent"}
    assert {c["const"] for c in defs["ErrorCode"]["oneOf"]} == {c.value for c in ErrorCode} == set(ERROR_NOTES)
    closes = {c["const"]: c["x-reconnect"] for c in defs["CloseCode"]["oneOf"]}
    assert set(closes) >= {int(c) for c in CloseCode} and set(closes) == set(CLOSE_NOTES)
    assert all(closes[c] == should_reconnect(c) for c in closes)


def test_asyncapi_links_resolve() -> None:
    doc = asyncapi_document()
    assert doc["asyncapi"] == "3.0.0"
    text = json.dumps(doc)

    def resolve(ref: str) -> object:
        node: object = doc
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(node, dict) and part in node, ref
            node = node[part]
        return node

    refs = {part.split('"')[0] for part in text.split('"$ref": "')[1:]}
    assert refs and all(resolve(r) is not None for r in refs)
    assert doc["operations"]["sendBuy"]["reply"]["messages"][0] == {"$ref": "#/channels/gateway/messages/result"}
    assert "4503 | no" in doc["channels"]["gateway"]["description"]


@pytest.fixture
async def api(settings: Settings, migrated: str, redis: Redis) -> httpx.AsyncClient:
    app = build_app(settings)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c):
        yield c  # type: ignore[misc]


async def test_the_api_serves_its_document_and_a_docs_page(api: httpx.AsyncClient) -> None:
    r = await api.get("/openapi.json")
    assert r.status_code == 200 and r.json() == json.loads(render(DOCUMENTS["openapi.json"]()))
    page = await api.get("/docs")
    assert page.status_code == 200 and "/api/rooms/{room}/sales/{sale}/buy" in page.text
    assert "<script" not in page.text and "http" not in page.text.split("/openapi.json")[0].lower().replace(
        "http api", "")


def test_protocol_schema_documents_every_state_key_with_its_type() -> None:
    from livecore.protocol.state import STATE_KEYS, STRUCTS
    schema = protocol_schema()
    defs, state = schema["$defs"], schema["x-livecore"]["state"]
    assert list(state) == list(STATE_KEYS)
    assert state["sale:{id}"] == {"$ref": "#/$defs/SaleState"} and state["stock:{id}"] == {"type": "integer"}
    assert state["top"] == {"type": "array", "items": {"$ref": "#/$defs/TopEntry"}}
    for struct in STRUCTS:  # each with its fields, nothing else allowed
        d = defs[struct.__name__]
        assert set(d["properties"]) == set(struct.__struct_fields__) and d["additionalProperties"] is False
    room = defs["RoomState"]
    assert room["properties"]["lottery"] == {"$ref": "#/$defs/LotteryState"}
    assert room["patternProperties"]["^coupon:.+$"] == {"$ref": "#/$defs/CouponState"}
    assert "seed" not in defs["LotteryState"]["required"] and "seed_hash" in defs["LotteryState"]["required"]
