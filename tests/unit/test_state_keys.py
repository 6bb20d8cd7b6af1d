"""The room state's types (``livecore.protocol.state``) cover every key the code writes, and match the pure
modules their values come from. Pure: reads the source, no Redis."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import msgspec
import pytest

from livecore.core import funnel
from livecore.protocol import state
from livecore.protocol.state import STATE_KEYS, STRUCTS, FunnelStep, LotteryState, MetricsState, SaleState
from livecore.ranking.store import COUNTERS

SOURCE = Path(__file__).resolve().parents[2] / "livecore"
WRITERS = {"set_state", "set_states", "mark", "publish_now"}  # RoomBus and StatePublisher


def _key(node: ast.expr) -> str | None:
    """A literal key (``"pinned"``), or an f-string's literal head and a stand-in id (``f"sale:{x}"``: ``sale:x``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value) + "x"
    return None


def written_keys() -> dict[str, str]:
    """Every state key written with a literal name in livecore/: key -> where."""
    out: dict[str, str] = {}
    for path in SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in WRITERS):
                continue
            where = f"{path.relative_to(SOURCE.parent)}:{call.lineno}"
            if call.func.attr in ("mark", "publish_now") and len(call.args) >= 2 and _key(call.args[1]):
                out[str(_key(call.args[1]))] = where
            for arg in call.args:
                for node in ast.walk(arg):
                    if isinstance(node, ast.Dict):
                        for k in node.keys:
                            if k is not None and (key := _key(k)) is not None:
                                out[key] = where
    return out


def test_every_literal_key_the_code_writes_has_a_type() -> None:
    keys = written_keys()
    # the publishers naming their keys in the call: rooms, screen, live, sales, coupons, lottery, pin, likes, demo
    # (keys built beforehand, as presence's and the ranking worker's, are checked by
    # tests/integration/test_state_types.py, which decodes a whole show's state)
    assert {"title", "cover", "product", "live", "session", "live_since", "sale:x", "stock:x", "coupon:x", "lottery",
            "pinned", "likes", "demo_host"} <= set(keys)
    untyped = {k: where for k, where in keys.items() if state.pattern_of(k) is None}
    assert not untyped, f"state keys without a type in STATE_KEYS: {untyped}"


def test_lookup_by_key_pattern() -> None:
    assert state.state_type("sale:s1") is SaleState
    assert state.state_type("lottery") is LotteryState
    assert state.state_type("stock:s1") is int
    assert state.pattern_of("coupon:cb12") == "coupon:{id}"
    for unknown in ("sale:", "sales:s1", "nope"):
        assert state.pattern_of(unknown) is None
        with pytest.raises(KeyError):
            state.state_type(unknown)
    assert set(STATE_KEYS) >= state.HOST_KEYS


def test_the_types_follow_the_modules_their_values_come_from() -> None:
    fields = set(MetricsState.__struct_fields__)
    assert set(COUNTERS) <= fields and {"online", "peak", "uv", "funnel", "change"} <= fields
    steps = typing.get_args(typing.get_type_hints(FunnelStep)["step"])
    assert steps == funnel.STEPS


def test_every_struct_has_a_json_schema_and_forbids_unknown_fields() -> None:
    _, defs = msgspec.json.schema_components(STRUCTS)
    for struct in STRUCTS:
        assert defs[struct.__name__]["additionalProperties"] is False
    for t in STATE_KEYS.values():
        msgspec.json.schema(t)  # every value type is documentable


def test_every_state_key_a_feature_declares_has_a_type() -> None:
    from livecore.features.registry import features
    declared = {key for f in features() for key in f.state}
    assert declared and declared <= set(STATE_KEYS), declared - set(STATE_KEYS)
