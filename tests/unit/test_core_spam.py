from livecore.core.spam import DuplicateFilter


def test_same_text_from_same_user_within_window_is_duplicate() -> None:
    f = DuplicateFilter(window_s=10)
    assert not f.is_duplicate("u1", "hello  World", 0)
    assert f.is_duplicate("u1", " hello world", 5)
    assert not f.is_duplicate("u2", "hello world", 5)
    assert not f.is_duplicate("u1", "hello world", 10.5)  # window passed


def test_old_entries_expire_and_size_is_bounded() -> None:
    f = DuplicateFilter(window_s=1, max_entries=3)
    for i in range(5):
        f.is_duplicate("u", f"t{i}", 0)
    assert len(f) == 3
    f.is_duplicate("u", "new", 2)
    assert len(f) == 1
