"""Share codes are short, carry what they say, and refuse any change (pure, no I/O)."""

from __future__ import annotations

import pytest

from livecore.features.share import codes

KEY = codes.code_key("a secret")
T = 1_800_000_123_000


def test_a_code_carries_sharer_channel_room_group_and_time() -> None:
    for channel in codes.CHANNELS:
        code = codes.encode(KEY, sharer="u12345", channel=channel, room="r1", group="g7", issued_ms=T)
        assert 16 <= len(code) <= 26 and code.isalnum()
        got = codes.verify(KEY, code, room="r1", group="g7")
        assert (got.sharer, got.channel, got.room, got.group, got.issued_ms) == ("u12345", channel, "r1", "g7", T)


def test_a_tampered_code_is_refused() -> None:
    code = codes.encode(KEY, sharer="ann", channel="wechat", room="r1", issued_ms=T)
    for i in range(len(code)):
        for ch in "0aZ":
            if code[i] == ch:
                continue
            bad = code[:i] + ch + code[i + 1:]
            with pytest.raises(codes.BadCode):
                codes.verify(KEY, bad, room="r1")


def test_a_code_is_bound_to_its_room_group_and_key() -> None:
    code = codes.encode(KEY, sharer="ann", channel="qq", room="r1", group="g1", issued_ms=T)
    for room, group, key in (("r2", "g1", KEY), ("r1", "g2", KEY), ("r1", None, KEY),
                             ("r1", "g1", codes.code_key("another secret"))):
        with pytest.raises(codes.BadCode):
            codes.verify(key, code, room=room, group=group)
    plain = codes.encode(KEY, sharer="ann", channel="qq", room="r1", issued_ms=T)
    with pytest.raises(codes.BadCode):
        codes.verify(KEY, plain, room="r1", group="g1")  # a room code does not open a group


def test_garbage_is_refused_not_crashed() -> None:
    for junk in ("", "0", "!!!", "a" * 500, "zzzzzzzzzzzzzzzzzzzz", "1" * 30):
        with pytest.raises(codes.BadCode):
            codes.verify(KEY, junk, room="r1")


def test_encode_refuses_what_it_cannot_carry() -> None:
    with pytest.raises(ValueError):
        codes.encode(KEY, sharer="ann", channel="sms", room="r1", issued_ms=T)
    with pytest.raises(ValueError):
        codes.encode(KEY, sharer="", channel="qq", room="r1", issued_ms=T)
    with pytest.raises(ValueError):
        codes.encode(KEY, sharer="x" * 65, channel="qq", room="r1", issued_ms=T)
