from livecore.client.backoff import Backoff
from livecore.client.client import with_token
from livecore.protocol import should_reconnect


def test_delays_grow_exponentially_with_jitter_and_cap() -> None:
    low = Backoff(base=0.5, factor=2, cap=4, rand=lambda: 0.0)
    assert [low.next() for _ in range(5)] == [0.25, 0.5, 1.0, 2.0, 2.0]
    high = Backoff(base=0.5, factor=2, cap=4, rand=lambda: 1.0)
    assert [high.next() for _ in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    high.reset()
    assert high.next() == 0.5


def test_token_goes_into_the_query_and_close_codes_decide_reconnects() -> None:
    assert with_token("ws://h:1/ws", "a.b") == "ws://h:1/ws?token=a.b"
    assert with_token("ws://h:1/ws?x=1", "t") == "ws://h:1/ws?x=1&token=t"
    assert all(should_reconnect(code) for code in (1006, 1012, 4001, 4002))
    assert not any(should_reconnect(code) for code in (1000, 1009, 4501, 4503, 4504, 4506))
