"""Every message shown in docs/protocol.md is one the schema accepts: the examples cannot drift from the code
(an event without the ``phase`` or ``action`` it must carry, a field renamed, a type gone)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import msgspec

from livecore.protocol.codec import client_decoder, event_decoder, server_decoder

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
_BLOCK = re.compile(r"```json\n(.*?)```", re.S)
DECODERS: dict[str, Any] = {"3": client_decoder, "4": server_decoder, "5": event_decoder}


def examples() -> list[tuple[str, dict[str, Any]]]:
    """(section number, JSON object) of every object with a ``type`` in the page's ``json`` blocks."""
    out: list[tuple[str, dict[str, Any]]] = []
    for part in re.split(r"\n(?=## \d+\.)", DOC.read_text(encoding="utf-8")):
        section = re.match(r"## (\d+)\.", part)
        for block in _BLOCK.findall(part):
            text, at = block.strip(), 0
            while at < len(text):
                value, end = json.JSONDecoder().raw_decode(text, at)
                at = end + len(text[end:]) - len(text[end:].lstrip())
                if isinstance(value, dict) and "type" in value:
                    out.append((section.group(1) if section else "", value))
    return out


def test_every_example_message_decodes_with_the_schema() -> None:
    found = examples()
    assert {s for s, _ in found} >= {"3", "4", "5"}
    checked = 0
    for section, message in found:
        decoder = DECODERS.get(section)
        if decoder is None:
            continue
        decoded = decoder.decode(msgspec.json.encode(message))
        checked += 1
        for event in message.get("events", []) if message["type"] == "frame" else []:
            event_decoder.decode(msgspec.json.encode(event))
            checked += 1
        assert msgspec.json.decode(msgspec.json.encode(decoded))["type"] == message["type"]
    assert checked >= 35


def test_every_room_event_type_has_an_example() -> None:
    shown = {m["type"] for s, m in examples() if s == "5"}
    tags = {cls.__struct_config__.tag for cls in event_decoder.type.__args__}  # type: ignore[attr-defined]
    assert tags <= shown, tags - shown
