from livecore.core.wordfilter import WordFilter, load_words, mask_all


def test_masks_every_match_case_insensitively() -> None:
    f = WordFilter(["傻瓜", "Spam", "  "])
    assert f.words == ("spam", "傻瓜")
    assert f.mask("你是傻瓜吗 SPAM spam") == "你是**吗 **** ****"
    assert f.mask("干净的弹幕") == "干净的弹幕"


def test_overlapping_words_and_positions_survive_special_case_folding() -> None:
    f = WordFilter(["abc", "bcd"])
    assert f.mask("xabcdx") == "x****x"
    g = WordFilter(["bad"])
    assert g.mask("İ bad") == "İ ***"  # a character whose lower case is two characters


def test_deployment_and_room_lists_combine() -> None:
    deployment, room = WordFilter(["广告"]), WordFilter(["加微信"])
    assert mask_all("加微信看广告", deployment, room) == "***看**"
    assert not WordFilter([])
    assert mask_all("ok", WordFilter([])) == "ok"


def test_word_file_format() -> None:
    assert load_words("# comment\n\n  a \nb\n") == ["a", "b"]
