"""The Python SDK's room model on the vectors the TypeScript SDK's tests also run (clients/ts/test)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from livecore.client.room import RoomModel, after
from livecore.protocol.codec import server_decoder

VECTORS = json.loads((Path(__file__).resolve().parents[2] / "clients/ts/test/room-vectors.json").read_text())


def _ident(event: dict[str, Any]) -> str:
    return event.get("offset") or event["id"]


@pytest.mark.parametrize("case", VECTORS, ids=[c["name"] for c in VECTORS])
def test_room_model_vectors(case: dict[str, Any]) -> None:
    model = RoomModel()
    for message in case["messages"]:
        model.apply(server_decoder.decode(msgspec.json.encode(message)))
    snap = model.snapshot()
    expect = case["expect"]
    assert (snap["room"], snap["state"], snap["offset"]) == (expect["room"], expect["state"], expect["offset"])
    assert [_ident(e) for e in snap["events"]] == expect["events"]


def test_offsets_order_by_number() -> None:
    assert after("1000-0", "999-9") and after("5-10", "5-9") and not after("5-1", "5-1")
    assert after("1-0", None) and not after(None, "1-0")


def test_events_are_bounded() -> None:
    model = RoomModel(max_events=3)
    model.apply_frame([{"type": "chat", "id": str(i)} for i in range(10)], {}, None)
    assert [e["id"] for e in model.events] == ["7", "8", "9"]
