"""The connection's decisions without I/O (livecore.gateway.rules): the frame gate, the dispatch table, the
flood limits and the host-room rules, as plain calls."""

from __future__ import annotations

import inspect
import json

from livecore.auth import Identity, Role
from livecore.core.guard import WindowCounter
from livecore.features import registry
from livecore.features.sales.messages import Buy
from livecore.gateway import rules
from livecore.gateway.connection import Connection
from livecore.protocol import client as c
from livecore.protocol.codec import CLIENT_MESSAGES, CLIENT_TYPES
from livecore.protocol.codes import CloseCode, ErrorCode
from livecore.protocol.limits import MAX_NESTING

NOW = 1_700_000_000.0


def gate(message: str | bytes, *, exp: int = 0, joined: bool = True, join_failed: bool = False,
         now: float = NOW) -> rules.Decision:
    return rules.gate(message, now, exp=exp, joined=joined, join_failed=join_failed)


# -- closes ----------------------------------------------------------------------------------------
def test_an_expired_token_closes_before_the_frame_is_read() -> None:
    for frame in ('{"type":"ping"}', b"\x00", "not json"):
        assert gate(frame, exp=int(NOW)) == rules.Close(CloseCode.TOKEN_EXPIRED, "token expired")
        assert gate(frame, exp=int(NOW) - 60) == rules.Close(CloseCode.TOKEN_EXPIRED, "token expired")


def test_a_token_not_yet_expired_or_without_expiry_lets_the_frame_through() -> None:
    assert gate('{"type":"ping"}', exp=int(NOW) + 1) == rules.Dispatch(c.Ping())
    assert gate('{"type":"ping"}', exp=0, now=1e12) == rules.Dispatch(c.Ping())


def test_a_binary_frame_closes_unsupported_data() -> None:
    assert gate(b'{"type":"ping"}') == rules.Close(CloseCode.UNSUPPORTED_DATA, "binary frames are not supported")
    assert gate(b"") == rules.Close(CloseCode.UNSUPPORTED_DATA, "binary frames are not supported")


# -- malformed frames ------------------------------------------------------------------------------
def test_json_nested_too_deep_is_a_bad_frame() -> None:
    deep = '{"type":"chat","text":"x","a":' + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1) + "}"
    assert gate(deep) == rules.Refuse(ErrorCode.BAD_FRAME, f"JSON nested more than {MAX_NESTING} deep")


def test_what_is_not_a_json_object_is_a_bad_frame() -> None:
    for frame in ("not json", "", "[1]", '"ping"', "17", "null", '{"type":"ping"', '{"type":"chat","text":"a"} x'):
        assert gate(frame) == rules.Refuse(ErrorCode.BAD_FRAME, "not a JSON object"), frame


def test_an_unknown_or_missing_type_is_refused_with_the_rid() -> None:
    assert gate('{"type":"dance","rid":"r1"}') == rules.Refuse(ErrorCode.UNKNOWN_TYPE, "unknown type 'dance'", "r1")
    assert gate('{"rid":"r2"}') == rules.Refuse(ErrorCode.UNKNOWN_TYPE, "unknown type 'None'", "r2")
    assert gate('{"type":["chat"]}') == rules.Refuse(ErrorCode.UNKNOWN_TYPE, "unknown type \"['chat']\"")
    long = gate(json.dumps({"type": "x" * 100, "rid": 5}))  # a rid that is not a string is not echoed
    assert long == rules.Refuse(ErrorCode.UNKNOWN_TYPE, f"unknown type {'x' * 40!r}", None)


def test_invalid_fields_are_refused_with_the_decoder_detail_and_the_rid() -> None:
    assert gate('{"type":"chat","rid":"r3"}') == rules.Refuse(
        ErrorCode.INVALID, "Object missing required field `text`", "r3")
    refused = gate('{"type":"like","count":1000}')
    assert isinstance(refused, rules.Refuse) and refused.code is ErrorCode.INVALID and "count" in refused.message


# -- rooms -----------------------------------------------------------------------------------------
def test_room_actions_before_a_join_are_refused_not_joined() -> None:
    assert gate('{"type":"chat","text":"hi","rid":"r4"}', joined=False) == rules.Refuse(
        ErrorCode.NOT_JOINED, "join a room first", "r4")
    assert gate('{"type":"like"}', joined=False) == rules.Refuse(ErrorCode.NOT_JOINED, "join a room first", None)


def test_room_actions_after_a_failed_join_are_refused_unavailable() -> None:
    assert gate('{"type":"gift","gift":"rose","rid":"r5"}', joined=False, join_failed=True) == rules.Refuse(
        ErrorCode.UNAVAILABLE, "the join failed (room unavailable): join again, then retry", "r5")


def test_ping_join_and_leave_need_no_room() -> None:
    for joined, failed in ((False, False), (False, True), (True, False)):
        assert gate('{"type":"ping","t":1.5}', joined=joined, join_failed=failed) == rules.Dispatch(c.Ping(t=1.5))
        assert gate('{"type":"join","room":"42"}', joined=joined, join_failed=failed) == rules.Dispatch(
            c.Join(room="42"))
        assert gate('{"type":"leave","rid":"x"}', joined=joined, join_failed=failed) == rules.Dispatch(
            c.Leave(rid="x"))


def test_a_joined_session_gets_the_decoded_message() -> None:
    assert gate('{"type":"chat","text":"hi","rid":"r6","extra":1}') == rules.Dispatch(c.Chat(text="hi", rid="r6"))
    assert gate('{"type":"buy","sale":"s1","key":"k1"}') == rules.Dispatch(Buy(sale="s1", key="k1"))


# -- dispatch table --------------------------------------------------------------------------------
def test_every_client_message_has_exactly_one_handler_and_nothing_else_does() -> None:
    decoded = set(CLIENT_MESSAGES)
    table = rules.handler_names()
    assert set(table) == decoded
    assert {kind.__struct_config__.tag for kind in table} == CLIENT_TYPES
    assert rules.ROOMLESS.issubset(decoded)
    assert set(rules.HANDLERS) == set(c.CORE_MESSAGES)  # the gateway's own table names no feature message
    features = {kind for kind, name in table.items() if name == rules.FEATURE_HANDLER}
    assert features == set(registry.client_messages()) and Buy in features


def test_every_handler_is_a_session_method_taking_the_message() -> None:
    for kind, name in rules.handler_names().items():
        method = getattr(Connection, name, None)
        assert callable(method), (kind, name)
        assert list(inspect.signature(method).parameters) == ["self", "msg"], (kind, name)


# -- flood limits ----------------------------------------------------------------------------------
def test_too_many_malformed_frames_close_as_a_protocol_violation() -> None:
    malformed, refusals = WindowCounter(2, 10.0), WindowCounter(100, 10.0)
    assert rules.flood_close(ErrorCode.BAD_FRAME, malformed, refusals, 0.0) is None
    assert rules.flood_close(ErrorCode.INVALID, malformed, refusals, 1.0) is None
    assert rules.flood_close(ErrorCode.UNKNOWN_TYPE, malformed, refusals, 2.0) == rules.Close(
        CloseCode.PROTOCOL_VIOLATION, "too many malformed frames")


def test_too_many_refusals_of_any_kind_close_as_a_flood() -> None:
    malformed, refusals = WindowCounter(100, 10.0), WindowCounter(2, 10.0)
    assert rules.flood_close(ErrorCode.RATE_LIMITED, malformed, refusals, 0.0) is None
    assert rules.flood_close(ErrorCode.NOT_JOINED, malformed, refusals, 1.0) is None
    assert rules.flood_close(ErrorCode.FORBIDDEN, malformed, refusals, 2.0) == rules.Close(
        CloseCode.FLOOD, "too many refused frames")
    assert ErrorCode.RATE_LIMITED not in rules.MALFORMED


def test_refusals_spread_beyond_the_window_do_not_close() -> None:
    malformed, refusals = WindowCounter(1, 10.0), WindowCounter(1, 10.0)
    for t in (0.0, 20.0, 40.0):
        assert rules.flood_close(ErrorCode.BAD_FRAME, malformed, refusals, t) is None


# -- joining and moderating ------------------------------------------------------------------------
VIEWER = Identity(user="u1", name="U", role=Role.VIEWER)
HOST = Identity(user="h1", name="H", role=Role.HOST, room="42")
ADMIN = Identity(user="a1", name="A", role=Role.ADMIN, room="7")


def test_a_join_names_a_room_or_its_host_room() -> None:
    assert rules.join_target(VIEWER, c.Join(room="42")) == rules.Target("42", "42", False)
    assert rules.join_target(HOST, c.Join(room="host:42")) == rules.Target("host:42", "42", True)
    assert rules.join_target(ADMIN, c.Join(room="host:99")) == rules.Target("host:99", "99", True)


def test_a_bad_room_id_is_invalid() -> None:
    for room in ("", ".", "..", "host:", "a b", "x" * 65, "host:host:1", "42/1"):
        assert rules.join_target(VIEWER, c.Join(room=room, rid="j")) == rules.Refuse(
            ErrorCode.INVALID, "bad room id", "j"), room


def test_a_token_bound_to_another_room_closes_and_a_host_room_wants_its_host() -> None:
    closed = rules.Close(CloseCode.ROOM_FORBIDDEN, "this token does not allow that room")
    assert rules.join_target(HOST, c.Join(room="43")) == closed
    assert rules.join_target(HOST, c.Join(room="host:43")) == closed
    assert rules.join_target(VIEWER, c.Join(room="host:42", rid="j")) == rules.Refuse(
        ErrorCode.FORBIDDEN, "host room: only the host or an admin", "j")


def test_moderation_wants_the_rooms_host_or_an_admin_and_sound_fields() -> None:
    forbidden = rules.Refuse(ErrorCode.FORBIDDEN, "only the host or an admin", "m")
    assert rules.moderation_refusal(VIEWER, "42", c.Delete(msg="x", rid="m")) == forbidden
    assert rules.moderation_refusal(HOST, "43", c.Unmute(user="u1", rid="m")) == forbidden
    assert rules.moderation_refusal(HOST, "42", c.Mute(user="u1", seconds=60)) is None
    assert rules.moderation_refusal(ADMIN, "42", c.Pin(msg="x", text="hello")) is None
    bad_user = rules.moderation_refusal(HOST, "42", c.Unmute(user="", rid="m"))
    assert isinstance(bad_user, rules.Refuse) and bad_user.code is ErrorCode.INVALID and bad_user.rid == "m"
    long_pin = rules.moderation_refusal(HOST, "42", c.Pin(text="x" * 10_000))
    assert isinstance(long_pin, rules.Refuse) and long_pin.code is ErrorCode.INVALID


# -- host room -------------------------------------------------------------------------------------
def test_chat_from_the_host_room_is_forbidden_and_likes_there_are_dropped() -> None:
    assert rules.chat_refusal("host:42", "42", "r7") == rules.Refuse(
        ErrorCode.FORBIDDEN, "no barrage in the host room", "r7")
    assert rules.chat_refusal("42", "42", "r7") is None
    assert not rules.likes_counted_here("host:42", "42")
    assert rules.likes_counted_here("42", "42")
