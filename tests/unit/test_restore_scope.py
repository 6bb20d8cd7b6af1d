"""``livecore restore``'s options become one scope that every feature's hook reads, and the report reads the same
in text and in JSON whatever the features restored."""

from __future__ import annotations

import argparse

import pytest

from livecore.commerce.restore import RestoreReport, SaleRestore
from livecore.commerce.restore_cli import configure, scope_of
from livecore.features.base import RestoreScope
from livecore.features.coupons.restore import BatchRestore


def parse(*argv: str) -> RestoreScope:
    parser = argparse.ArgumentParser()
    configure(parser)
    return scope_of(parser.parse_args(list(argv)))


def test_the_options_name_one_scope() -> None:
    assert parse() == RestoreScope() and parse().everything
    assert parse("--room", "r1") == RestoreScope(room="r1") and not parse("--room", "r1").everything
    batch = parse("--batch", "cb1")
    assert batch.only("coupons") == "cb1" and batch.covers("coupons") and not batch.covers("sales")
    sale = parse("--sale", "s1")
    assert sale.only("sales") == "s1" and sale.only("coupons") is None and not sale.covers("lottery")
    one = parse("--feature", "lottery", "--id", "lt1")
    assert one.covers("lottery") and one.only("lottery") == "lt1" and not one.covers("coupons")
    assert parse("--feature", "coupons").only("coupons") is None
    assert parse("--feature", "redpacket", "--id", "rp1").only("redpacket") == "rp1"
    assert parse("--room", "r1", "--feature", "polls") == RestoreScope(room="r1", feature="polls")
    with pytest.raises(SystemExit):
        parse("--id", "lt1")
    with pytest.raises(SystemExit):
        parse("--feature", "nope")
    with pytest.raises(SystemExit):
        parse("--sale", "s1", "--feature", "polls")


def test_the_report_lists_every_part_in_text_and_json() -> None:
    report = RestoreReport(sales=[SaleRestore("s1", "r1", restored=True, orders=2, stock=3, sold=2, keys=2)],
                           features={"coupons": [BatchRestore("cb1", "r1", restored=False)]})
    lines = report.text().splitlines()
    assert lines[0].startswith("sale s1 in room r1: restored") and "left alone" in lines[1]
    assert lines[-2:] == ["sales: 1 restored, 0 left alone", "coupons: 0 restored, 1 left alone"]
    data = report.as_dict()
    assert data["sales"][0]["stock"] == 3 and data["coupons"] == [
        {"batch": "cb1", "room": "r1", "restored": False, "claims": 0, "remaining": 0, "redeemed": 0}]
    assert RestoreReport().text().splitlines() == ["nothing to restore", "sales: 0 restored, 0 left alone"]
