from livecore.core.gifts import GiftCatalogue, GiftItem
from livecore.core.guard import WindowCounter


def test_catalogue_values_in_cents() -> None:
    cat = GiftCatalogue()
    assert cat.value("rose", 3) == 300
    assert cat.value("nope", 1) is None
    assert cat.get("rocket").name == "火箭"  # type: ignore[union-attr]
    assert len(GiftCatalogue([GiftItem("x", "X", 1)])) == 1


def test_window_counter_trips_above_limit_within_window_only() -> None:
    c = WindowCounter(limit=3, window_s=1.0)
    assert not any(c.hit(t) for t in (0.0, 0.1, 0.2))
    assert c.hit(0.3)
    assert not c.hit(5.0)
    assert len(c) == 1
