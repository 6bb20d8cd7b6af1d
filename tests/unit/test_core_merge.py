import msgspec

from livecore.broker.wire import Lane
from livecore.core.merge import TickMerger, catch_up_frame
from livecore.protocol import server_decoder
from livecore.protocol.server import Frame


def ev(i: int, offset: str | None = None) -> bytes:
    body = b'{"type":"chat","id":"m%d"}' % i
    return body if offset is None else b'{"offset":"' + offset.encode() + b'",' + body[1:]


def test_empty_tick_produces_nothing() -> None:
    assert TickMerger("1").flush(0) is None


def test_one_frame_per_tick_state_latest_value_wins() -> None:
    m = TickMerger("1")
    m.add(Lane.BARRAGE, ev(1))
    m.add(Lane.RELIABLE, ev(2, "5-0"), "5-0")
    m.add_state_json(b'{"online":3,"likes":10}')
    m.add_state_json(b'{"online":4,"product":null}')
    frame = m.flush(123)
    assert frame is not None
    decoded = server_decoder.decode(frame.full)
    assert isinstance(decoded, Frame)
    assert decoded.offset == "5-0" and decoded.ts == 123
    assert [msgspec.json.decode(e)["id"] for e in decoded.events] == ["m1", "m2"]
    assert decoded.state == {"online": 4, "likes": 10, "product": None}
    lite = server_decoder.decode(frame.lite)  # type: ignore[arg-type]
    assert [msgspec.json.decode(e)["id"] for e in lite.events] == ["m2"]  # type: ignore[union-attr]
    assert lite.state == decoded.state  # type: ignore[union-attr]
    assert m.flush(124) is None


def test_a_value_sent_already_is_not_sent_again() -> None:
    m = TickMerger("1")
    m.add_state_json(b'{"online":3,"stock:s1":{"left":5}}')
    assert m.flush(1) is not None
    m.add_state_json(b'{"online":3,"stock:s1":{"left":5}}')  # a second process publishing the same figures
    assert m.flush(2) is None
    m.add_state_json(b'{"online":3,"stock:s1":{"left":4}}')
    frame = m.flush(3)
    assert frame is not None and server_decoder.decode(frame.full).state == {"stock:s1": {"left": 4}}  # type: ignore[union-attr]
    m.add_state_json(b'{"online":2}')
    m.add_state_json(b'{"online":3}')  # changed and changed back within one tick: nothing to tell
    assert m.flush(4) is None
    m.add_state_json(b'{"stock:s1":null}')
    frame = m.flush(5)
    assert frame is not None and server_decoder.decode(frame.full).state == {"stock:s1": None}  # type: ignore[union-attr]
    m.add_state_json(b'{"stock:s1":{"left":4}}')  # back after a removal: told again
    frame = m.flush(6)
    assert frame is not None and server_decoder.decode(frame.full).state == {"stock:s1": {"left": 4}}  # type: ignore[union-attr]
    m.add(Lane.PRIORITY, ev(1))
    m.add_state_json(b'{"online":3}')
    frame = m.flush(7)  # an event still makes a frame, without the unchanged state
    assert frame is not None and server_decoder.decode(frame.full).state == {}  # type: ignore[union-attr]


def test_lite_is_the_same_bytes_without_lossy_and_absent_when_only_lossy() -> None:
    m = TickMerger("1")
    m.add(Lane.PRIORITY, ev(1))
    frame = m.flush(1)
    assert frame is not None and frame.lite is frame.full
    m.add(Lane.BARRAGE, ev(2))
    m.add(Lane.LOSSY, ev(3))
    frame = m.flush(2)
    assert frame is not None and frame.lite is None


def test_reliable_duplicates_and_older_offsets_are_dropped() -> None:
    m = TickMerger("1", last_offset="5-0")
    assert not m.add(Lane.RELIABLE, ev(1, "4-9"), "4-9")
    assert not m.add(Lane.RELIABLE, ev(1, "5-0"), "5-0")
    assert m.add(Lane.RELIABLE, ev(2, "5-1"), "5-1")
    assert m.last_offset == "5-1"


def test_catch_up_drops_buffered_events_already_replayed() -> None:
    m = TickMerger("1")
    m.add(Lane.RELIABLE, ev(2, "2-0"), "2-0")  # arrived live while the joiner was replaying
    m.add(Lane.BARRAGE, ev(9))
    m.add_state_json(b'{"online":7}')
    buffered = [m.flush(1)]
    m.add(Lane.RELIABLE, ev(3, "3-0"), "3-0")
    buffered.append(m.flush(2))
    replayed = [("1-0", ev(1, "1-0")), ("2-0", ev(2, "2-0"))]
    out = catch_up_frame("1", replayed, buffered, 5, after="0-1")  # type: ignore[arg-type]
    frame = server_decoder.decode(out)  # type: ignore[arg-type]
    ids = [msgspec.json.decode(e)["id"] for e in frame.events]  # type: ignore[union-attr]
    assert ids == ["m1", "m2", "m9", "m3"]
    assert frame.offset == "3-0" and frame.state == {"online": 7}  # type: ignore[union-attr]
    assert catch_up_frame("1", [], [], 5, after="3-0") is None
