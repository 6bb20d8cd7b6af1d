"""Hypothesis strategies of client frames for the fuzzing tests: valid frames of every type, the same with
fields mutated (wrong types, missing, extra, out-of-range numbers), byte-level mutations of them, and
arbitrary text. Bounded sizes, so a few hundred cases run in seconds."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from livecore.protocol.codes import HTTP_ONLY, ErrorCode

# text frames are UTF-8: no lone surrogates
utf8_chars = st.characters(exclude_categories=["Cs"])

# every code a refusal may carry except ``internal``, which would mean the server did not expect the input
DOCUMENTED = frozenset(code.value for code in ErrorCode if code not in HTTP_ONLY) - {ErrorCode.INTERNAL.value}

TEMPLATES: list[dict[str, Any]] = [
    {"type": "join", "room": "fz", "last_offset": "0-0", "rid": "j"},
    {"type": "leave", "rid": "l"},
    {"type": "chat", "text": "hello", "rid": "c"},
    {"type": "like", "count": 3},
    {"type": "share", "channel": "wx"},
    {"type": "follow"},
    {"type": "gift", "gift": "rose", "count": 1, "key": "k", "rid": "g"},
    {"type": "ping", "t": 1.5},
    {"type": "click", "product": "p1"},
    {"type": "cart", "product": "p1"},
    {"type": "buy", "sale": "s1", "qty": 1, "key": "k1", "rid": "b"},
    {"type": "claim", "batch": "b1", "key": "k2", "rid": "cl"},
    {"type": "enter", "lottery": "l1", "key": "k3", "rid": "e"},
    {"type": "mute", "user": "u", "seconds": 60, "rid": "m"},
    {"type": "unmute", "user": "u", "rid": "um"},
    {"type": "delete", "msg": "m1", "rid": "d"},
    {"type": "pin", "msg": "m1", "text": "t", "rid": "p"},
]

scalars = st.one_of(
    st.none(), st.booleans(), st.text(utf8_chars, max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "\u202e", "\x00", "💥" * 5, "join", "0-0", "-1", "1e400"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(utf8_chars, max_size=5), inner, max_size=3)),
    max_leaves=8)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    frame = dict(draw(st.sampled_from(TEMPLATES)))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        key = draw(st.sampled_from([*sorted(frame), "extra", "type"]))
        action = draw(st.sampled_from(["set", "delete"]))
        if action == "delete":
            frame.pop(key, None)
        else:
            frame[key] = draw(values)
    return json.dumps(frame, ensure_ascii=draw(st.booleans()))


@st.composite
def byte_mutated(draw: st.DrawFn) -> str:
    text = json.dumps(draw(st.sampled_from(TEMPLATES)))
    chars = list(text)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        i = draw(st.integers(min_value=0, max_value=len(chars)))
        match draw(st.sampled_from(["insert", "delete", "replace"])):
            case "insert":
                chars.insert(i, draw(utf8_chars))
            case "delete" if i < len(chars):
                del chars[i]
            case _ if i < len(chars):
                chars[i] = draw(utf8_chars)
    return "".join(chars)


@st.composite
def nested(draw: st.DrawFn) -> str:
    """A valid frame with a deeply nested value in a known or an unknown field (under the frame size limit)."""
    depth = draw(st.integers(min_value=1, max_value=600))  # under the 4096-byte frame limit either way
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    field = draw(st.sampled_from(["text", "extra"]))
    return '{"type":"chat","' + field + '":' + opener * depth + "1" + closer * depth + "}"


frames = st.one_of(mutated(), byte_mutated(), st.text(utf8_chars, max_size=80), values.map(json.dumps), nested(),
                   st.sampled_from([json.dumps(t) for t in TEMPLATES]))
