from livecore.core.chat import Accepted, ChatPipeline
from livecore.core.outcome import Refusal
from livecore.core.wordfilter import WordFilter
from livecore.protocol.codes import ErrorCode


def pipeline() -> ChatPipeline:
    return ChatPipeline(max_chars=10, rate=1.0, burst=2, dup_window_s=5, words=WordFilter(["坏"]))


def test_accepts_and_masks_with_deployment_and_room_words() -> None:
    p = pipeline()
    assert p.check("u", " 好坏 ", 0) == Accepted("好*")
    assert p.check("u", "买买买", 0, room_words=WordFilter(["买"])) == Accepted("***")


def test_refusals_in_order() -> None:
    p = pipeline()
    assert p.check("u", "   ", 0) == Refusal(ErrorCode.INVALID, "empty message")
    assert p.check("u", "x" * 11, 0).code is ErrorCode.TOO_LONG  # type: ignore[union-attr]
    assert p.check("u", "hi", 0, muted=True).code is ErrorCode.MUTED  # type: ignore[union-attr]
    assert isinstance(p.check("u", "a", 0), Accepted)
    assert p.check("u", "a", 0.5).code is ErrorCode.DUPLICATE  # type: ignore[union-attr]
    limited = p.check("u", "b", 0.5)
    assert isinstance(limited, Refusal) and limited.code is ErrorCode.RATE_LIMITED
    assert limited.retry_after is not None and 0 < limited.retry_after <= 1.0
    assert isinstance(p.check("u", "b", 2.0), Accepted)


def test_privileged_users_skip_rate_limit_duplicates_and_mute() -> None:
    p = pipeline()
    results = [p.check("host", "买", 0, privileged=True, muted=True) for _ in range(5)]
    assert all(isinstance(r, Accepted) for r in results)


def test_bidi_overrides_and_control_characters_never_reach_the_screen() -> None:
    p = pipeline()
    assert p.check("u", "\u202eabc\u202c", 0) == Accepted("abc")
    assert p.check("v", "a\u2066b\u2069\nc\x00d", 0) == Accepted("abcd")
    assert p.check("w", "\u202e\u200f\r\n", 0) == Refusal(ErrorCode.INVALID, "empty message")
    assert p.check("x", "坏\u200b人", 0) == Accepted("*\u200b人")  # zero-width joiners stay (emoji use them)
