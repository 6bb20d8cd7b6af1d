from livecore.core.slow import SlowPolicy, Verdict


def test_thresholds_and_timeout() -> None:
    p = SlowPolicy(high_water=100, limit=1000, timeout_s=5)
    assert p.judge(100, None, 0) == (Verdict.FULL, None)
    assert p.judge(500, None, 0) == (Verdict.LITE, None)
    verdict, since = p.judge(2000, None, 10)
    assert (verdict, since) == (Verdict.LITE, 10)
    assert p.judge(2000, since, 14.9) == (Verdict.LITE, 10)
    assert p.judge(2000, since, 15) == (Verdict.CLOSE, 10)


def test_dropping_below_the_limit_resets_the_clock() -> None:
    p = SlowPolicy(high_water=100, limit=1000, timeout_s=5)
    _, since = p.judge(2000, None, 0)
    _, since = p.judge(500, since, 3)
    assert since is None
    _, since = p.judge(2000, since, 4)
    assert p.judge(2000, since, 8)[0] is Verdict.LITE
    assert p.judge(50, since, 8) == (Verdict.FULL, None)
