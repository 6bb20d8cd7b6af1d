from hypothesis import given, settings
from hypothesis import strategies as st

from livecore.core.wordfilter import MASK, WordFilter, load_words, mask_all


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


# -- words written around the filter: each variant is found on the normalised copy and masked in place -----
def test_zero_width_characters_between_the_letters() -> None:
    f = WordFilter(["wechat", "微信"])
    assert f.mask("add we\u200bch\u200dat now") == "add ******** now"
    assert f.mask("加微\u200b信") == "加***"
    assert f.mask("w\u2060e\ufeffc\u00adhat") == "*" * 9  # word joiner, BOM, soft hyphen


def test_full_width_letters() -> None:
    f = WordFilter(["wechat"])
    assert f.mask("加ＷｅＣｈａｔ号") == "加******号"


def test_spaces_dots_and_symbols_between_the_letters() -> None:
    f = WordFilter(["wechat"])
    assert f.mask("w e c h a t") == "*" * 11
    assert f.mask("w.e.c.h.a.t!") == "*" * 11 + "!"
    assert f.mask("w-e_c★h😀a\u3000t") == "*" * 11


def test_a_space_inside_a_chinese_word() -> None:
    f = WordFilter(["微信"])
    assert f.mask("加 微 信 聊") == "加 *** 聊"
    assert f.mask("微\u3000信") == "***"


def test_traditional_characters_find_the_simplified_word_and_back() -> None:
    assert WordFilter(["赌博"]).mask("來賭博吧") == "來**吧"
    assert WordFilter(["賭博"]).mask("来赌博吧") == "来**吧"  # a traditional list entry finds simplified text


def test_combining_marks_and_case_folding() -> None:
    f = WordFilter(["spam", "strasse"])
    assert f.mask("s\u0301p\u0308am") == "******"
    assert f.mask("STRAßE") == "******"


def test_innocent_text_and_separators_outside_a_word_are_kept() -> None:
    f = WordFilter(["wechat"])
    assert f.mask("we chat about tea") == "******* about tea"  # the letters are there: masked on purpose
    assert f.mask("we like tea, chat later") == "we like tea, chat later"
    assert f.spans("") == [] and WordFilter(["   ", "..."]).words == ()


# -- property: no separator between the letters of a banned word lets it through ---------------------------
SEPARATORS = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", " ", "\u3000", "\u00a0", ".", "·",
              "-", "_", "*", "/", "\u202e", "\u2066", "😀", "★"]
BANNED = ["wechat", "微信", "赌博", "qq号", "vx"]


def _variant(word: str, seps: list[str], width: bool, upper: bool) -> str:
    letters = [chr(ord(c) + 0xFEE0) if width and "!" <= c <= "~" else c for c in word]
    letters = [c.upper() if upper else c for c in letters]
    out = letters[0]
    for i, c in enumerate(letters[1:]):
        out += seps[i % len(seps)] + c
    return out


@given(word=st.sampled_from(BANNED),
       seps=st.lists(st.lists(st.sampled_from(SEPARATORS), max_size=3).map("".join), min_size=1, max_size=6),
       width=st.booleans(), upper=st.booleans(),
       before=st.text(alphabet="好的呀 ok", max_size=4), after=st.text(alphabet="好的呀 ok", max_size=4))
@settings(max_examples=300, deadline=None)
def test_separators_never_let_a_banned_word_through(word: str, seps: list[str], width: bool, upper: bool,
                                                    before: str, after: str) -> None:
    f = WordFilter(BANNED)
    written = _variant(word, seps, width, upper)
    masked = f.mask(before + written + after)
    assert masked[len(before):len(before) + len(written)] == MASK * len(written)
    assert masked[:len(before)] == before  # text around it is untouched
