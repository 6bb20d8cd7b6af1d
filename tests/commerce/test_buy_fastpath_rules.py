"""The snapshot decision and the sale outlook as plain functions (no Redis, no event loop)."""

from __future__ import annotations

from livecore.commerce.fastpath import SaleOutlook, decide

SALE = [b"1999", b"2", b"1000", b"5000"]  # price, per_user, starts_at, ends_at


def test_a_recorded_success_is_replayed_before_any_other_check() -> None:
    prior = b"r1.0000abc|3998|601000"
    # even with the sale gone, ended and sold out: the script replays first, so does decide
    assert decide(prior, [None] * 4, b"0", b"2", 2, 9999) == [b"ok", b"r1.0000abc", 0, 3998, 601000, 1, 0]
    assert decide(b"room.with|bar.id|7|9", SALE, b"5", None, 1, 2000) == [b"ok", b"room.with|bar.id", 5, 7, 9, 1, 0]


def test_refusals_come_in_the_scripts_order() -> None:
    assert decide(None, [None] * 4, b"3", None, 1, 2000) == [b"err", b"not_found"]
    assert decide(None, SALE, b"3", None, 0, 2000) == [b"err", b"invalid"]
    assert decide(None, SALE, b"0", b"9", 1, 999) == [b"err", b"not_started"]  # window before limit/stock
    assert decide(None, SALE, b"0", b"9", 1, 5000) == [b"err", b"ended"]
    assert decide(None, SALE, b"0", b"2", 1, 2000) == [b"err", b"limit_reached"]  # limit before stock
    assert decide(None, SALE, b"0", None, 1, 2000) == [b"err", b"sold_out"]
    assert decide(None, SALE, None, None, 1, 2000) == [b"err", b"sold_out"]  # no stock key reads as 0


def test_window_and_limit_edges() -> None:
    assert decide(None, SALE, b"0", None, 1, 1000) == [b"err", b"sold_out"]  # starts_at is inclusive
    assert decide(None, SALE, b"0", None, 1, 4999) == [b"err", b"sold_out"]  # ends_at is exclusive
    assert decide(None, SALE, b"0", b"1", 1, 2000) == [b"err", b"sold_out"]  # 1 + 1 <= 2: the limit allows
    assert decide(None, SALE, b"5", b"1", 2, 2000) == [b"err", b"limit_reached"]  # 1 + 2 > 2


def test_an_attempt_the_script_would_accept_is_left_to_the_script() -> None:
    assert decide(None, SALE, b"1", None, 1, 2000) is None
    assert decide(None, SALE, b"2", b"0", 2, 2000) is None
    assert decide(None, SALE, b"1", None, 2, 2000) == [b"err", b"sold_out"]  # 1 left, 2 asked


def test_outlook_closes_on_refusals_of_the_whole_sale_and_opens_on_stock() -> None:
    o = SaleOutlook()
    assert not o.closed("r", "s")
    o.learn("r", "s", [b"err", b"limit_reached"], 1)  # about one user, not the sale
    assert not o.closed("r", "s")
    o.learn("r", "s", [b"err", b"sold_out"], 2)  # 2 asked: fewer may be left
    assert not o.closed("r", "s")
    o.learn("r", "s", [b"ok", b"o1", 0, 100, 9, 0, 1], 1)  # the last unit
    assert o.closed("r", "s") and not o.closed("r", "other")
    o.learn("r", "s", None, 1)  # a snapshot found stock again (restocked)
    assert not o.closed("r", "s")
    o.learn("r", "s", [b"ok", b"o2", 3, 100, 9, 0, 0], 1)
    assert not o.closed("r", "s")
    for reason in (b"ended", b"not_started", b"not_found"):
        o.learn("r", reason.decode(), [b"err", reason], 1)
        assert o.closed("r", reason.decode())


def test_outlook_is_bounded() -> None:
    o = SaleOutlook(capacity=3)
    for i in range(5):
        o.learn("r", f"s{i}", [b"err", b"ended"], 1)
    assert [o.closed("r", f"s{i}") for i in range(5)] == [False, False, True, True, True]


def test_the_sale_id_rule_is_ascii_letters_digits_dash_underscore_up_to_40() -> None:
    from livecore.protocol.ids import SALE_ID, valid_sale_id

    def spelled(value: str) -> bool:
        return 0 < len(value) <= 40 and all(c.isascii() and (c.isalnum() or c in "_-") for c in value)

    samples = ["s1", "s" + "a" * 39, "s" + "a" * 40, "", "a-b_C9", "a b", "é1", "ｓ1", "٣", "a\n", "a.b", "a:b"]
    for sample in samples:
        assert bool(SALE_ID.fullmatch(sample)) == spelled(sample) == valid_sale_id(sample), sample
