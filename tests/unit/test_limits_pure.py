"""Pure parts of the limits: frame nesting, connection caps, per-user action limits, client addresses,
idempotency record names and the API's write limits (clocks passed in)."""

from __future__ import annotations

import itertools

from livecore.api.write_limits import WriteLimits
from livecore.config import Settings
from livecore.core.actions import ActionLimits, ActionRates
from livecore.core.conncaps import ConnectionCaps, client_address
from livecore.gateway.node import action_rates
from livecore.idem import idem_id
from livecore.protocol.limits import MAX_NESTING, too_deep


def test_nesting_is_measured_outside_strings() -> None:
    assert not too_deep(b'{"type":"ping"}')
    assert not too_deep(b'{"a":' + b"[" * (MAX_NESTING - 1) + b"]" * (MAX_NESTING - 1) + b"}")
    assert too_deep(b'{"a":' + b"[" * MAX_NESTING + b"]" * MAX_NESTING + b"}")
    assert not too_deep(b'{"text":"' + b"[" * 500 + b'"}')
    assert not too_deep(b'{"text":"\\"' + b"{" * 500 + b'"}')  # an escaped quote does not end the string
    assert too_deep(b"[" * 5000)


def test_connection_caps_count_in_and_out() -> None:
    caps = ConnectionCaps(per_user=2, per_address=3)
    assert caps.admit("u", "a") is None and caps.admit("u", "a") is None
    assert caps.admit("u", "b") == "user"
    assert caps.admit("v", "a") is None
    assert caps.admit("w", "a") == "address"
    caps.release("u", "a")
    assert caps.admit("w", "a") is None and caps.held(user="u") == 1 and caps.held(address="a") == 3
    for user in ("u", "v", "w"):
        caps.release(user, "a")
    assert caps.held(address="a") == 0 and caps.held(user="u") == 0
    unlimited = ConnectionCaps(0, 0)
    assert all(unlimited.admit("u", "a") is None for _ in range(10_000))


def test_client_address_comes_from_the_proxy_header_only_when_configured() -> None:
    headers = {"X-Forwarded-For": "1.2.3.4, 10.0.0.7"}
    assert client_address("10.0.0.1", headers, "") == "10.0.0.1"
    assert client_address("10.0.0.1", headers, "X-Forwarded-For") == "10.0.0.7"
    assert client_address("10.0.0.1", {}, "X-Forwarded-For") == "10.0.0.1"


def test_likes_are_capped_and_other_actions_refused_past_their_rates() -> None:
    limits = ActionLimits(ActionRates(like_rate=10, like_burst=100, share_rate=1, share_burst=2, follow_rate=1,
                                      follow_burst=1, gift_rate=2, gift_burst=3, gift_reliable_rate=1,
                                      gift_reliable_burst=2))
    assert [limits.likes_counted("u", 60, 0.0) for _ in range(3)] == [60, 40, 0]
    assert limits.likes_counted("u", 100, 1.0) == 10  # one second refills 10
    assert limits.likes_counted("v", 100, 1.0) == 100  # per user
    assert [limits.share("u", 0.0) == 0 for _ in range(3)] == [True, True, False]
    assert limits.share("u", 0.0) > 0 and limits.share("u", 1.5) == 0
    assert limits.follow("u", 0.0) == 0 and limits.follow("u", 0.0) > 0
    assert [limits.gift("u", 0.0) == 0 for _ in range(4)] == [True, True, True, False]
    assert [limits.gift_reliable("u", 0.0) for _ in range(3)] == [True, True, False]
    limits.sweep(1000.0)
    assert limits.likes_counted("u", 100, 1000.0) == 100  # a swept (full) bucket is a fresh one


def test_default_action_rates_bound_one_users_share_of_a_1000_event_replay_stream() -> None:
    limits = ActionLimits(action_rates(Settings()))  # the deployment's defaults
    reliable = sum(limits.gift_reliable("u", t * 0.01) for t in range(6000))  # one gift every 10 ms for 60 s
    assert reliable <= 20 + 0.5 * 60 + 1
    likes = sum(limits.likes_counted("u", 100, t * 0.01) for t in range(10_000))  # 1 000 000 likes in 100 s
    assert likes <= 200 + 20 * 100 + 1


def test_idempotency_names_are_unambiguous() -> None:
    assert idem_id("u:x", "k") != idem_id("u", "x:k")
    parts = ["", ":", "u", "u:", ":u", "x:k", "k", "日本", "a\nb", "0", "00", "3a"]
    pairs = list(itertools.product(parts, parts))
    assert len({idem_id(u, k) for u, k in pairs}) == len(pairs)


def test_api_write_limits_per_token_and_per_address() -> None:
    now = [0.0]
    limits = WriteLimits(Settings(api_write_rate=1, api_write_burst=2, api_address_rate=1, api_address_burst=4),
                         clock=lambda: now[0])
    assert [limits.check("t1", "a") == 0.0 for _ in range(3)] == [True, True, False]  # the token's bucket
    assert limits.check("t2", "a") == 0.0  # every request counts against its address: 4 taken
    assert limits.check("t3", "a") > 0
    assert limits.check("t4", "b") == 0.0
    now[0] = 10.0
    assert limits.check("t1", "a") == 0.0
