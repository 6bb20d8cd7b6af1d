"""Display names (pure): what is worth remembering, and names beside ids in lists."""

from __future__ import annotations

from livecore.people import MAX_NAME, display_name, names_for, with_names


def test_a_display_name_is_trimmed_and_an_id_or_blank_is_not_worth_storing() -> None:
    assert display_name("bot12", "  小明  ") == "小明"
    assert display_name("bot12", "bot12") is None
    assert display_name("bot12", "   ") is None
    assert display_name("bot12", None) is None
    assert display_name("u", "a\u0000b\nc") == "abc"
    assert display_name("u", "x" * 100) == "x" * MAX_NAME


def test_rows_get_the_name_beside_the_id_and_unknown_users_keep_their_id() -> None:
    rows = [{"user": "bot12", "value": 5}, {"user": "bot13", "value": 3}, {"user": "h", "name": "主播", "value": 1}]
    out = with_names(rows, {"bot12": "机器人十二", "h": "ignored"})
    assert out == [{"user": "bot12", "value": 5, "name": "机器人十二"}, {"user": "bot13", "value": 3, "name": "bot13"},
                   {"user": "h", "name": "主播", "value": 1}]
    assert rows[0] == {"user": "bot12", "value": 5}  # the input is not changed
    assert names_for(["a", "b"], {"a": "甲"}) == {"a": "甲", "b": "b"}
