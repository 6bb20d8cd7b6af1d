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


def test_an_interaction_belongs_to_the_session_only_while_the_room_is_live() -> None:
    from livecore.core.session import OUTSIDE, live_of, stamp

    assert live_of(b"true") is True and live_of(b"false") is False and live_of(b"null") is False
    assert live_of(None) is None
    assert stamp("s1", True) == "s1"
    assert stamp("s1", False) == OUTSIDE  # the ended session stays in the state but gets nothing more
    assert stamp("s1", None) == ""  # not known yet: the ranking worker decides from the state it reads
