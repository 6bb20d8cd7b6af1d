"""Barrage keywords: jieba cut, barrage stop words, top N with weights, sliding window (pure)."""

from livecore.core.keywords import KeywordExtractor, in_window, load_stopwords

BARRAGE = [
    "这个口红颜色好好看", "口红链接在哪里", "求口红链接！！", "哈哈哈哈哈", "666666", "主播好美啊",
    "发货快吗", "什么时候发货", "口红口红口红多少钱", "233333", "hhhh", "的的的",
]


def test_top_keywords_of_a_known_barrage() -> None:
    kx = KeywordExtractor()
    top = kx.top(BARRAGE)
    assert [(k.word, k.count, k.weight) for k in top] == [
        ("口红", 4, 1.0), ("发货", 2, 0.5), ("链接", 2, 0.5), ("好好看", 1, 0.25), ("颜色", 1, 0.25)]


def test_stop_words_and_noise_never_rank() -> None:
    kx = KeywordExtractor()
    words = {w for text in BARRAGE for w in kx.words(text)}
    assert not words & {"哈哈哈哈", "666666", "主播", "的", "啊", "233333", "hhhh", "什么", "这个"}
    assert {"的", "了", "啊", "哈哈", "666", "主播"} <= load_stopwords()


def test_top_is_capped_at_thirty() -> None:
    kx = KeywordExtractor()
    texts = [f"想要 sku{i:03d}" for i in range(60)]
    assert len(kx.top(texts)) == 30
    assert len(kx.top(texts, n=5)) == 5


def test_sliding_window_keeps_recent_texts_only() -> None:
    entries = [(1_000, "old"), (250_000, "edge"), (300_000, "new"), (400_000, "future")]
    assert in_window(entries, now_ms=310_000, window_s=60) == ["edge", "new"]
