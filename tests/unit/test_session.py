"""Reading the live session id out of a room state value (pure)."""

from livecore.core.session import session_from, session_id


def test_a_json_string_or_an_object_with_an_id_gives_the_session() -> None:
    assert session_id(b'"s-42"') == "s-42"
    assert session_id('{"id": "s-7", "title": "t"}') == "s-7"
    assert session_id(b"17") == "17"
    assert session_from({"id": "s-9"}) == "s-9"


def test_nothing_readable_gives_no_session() -> None:
    for raw in (None, b"null", b"", b"not json", b"true", b'{"title": "t"}', b"[1]", b'""'):
        assert session_id(raw) == "", raw
    assert session_from(None) == ""
