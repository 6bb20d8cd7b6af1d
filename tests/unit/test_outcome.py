"""The one refusal vocabulary (``livecore.core.outcome``) and the API's one status map (``livecore.api.status``)."""

from __future__ import annotations

from livecore.api.deps import ApiError
from livecore.api.status import STATUS, code_for_status, status_of
from livecore.core.outcome import MESSAGES, Refusal, RefusedError, Subject, accepted, code_of, from_script, refusal
from livecore.protocol.codes import ERROR_NOTES, HTTP_ONLY, ErrorCode


def test_default_messages_depend_on_the_subject_then_fall_back_to_the_shared_ones_then_the_code() -> None:
    assert refusal(ErrorCode.SOLD_OUT, about=Subject.SALE) == Refusal(ErrorCode.SOLD_OUT, "sold out")
    assert refusal(ErrorCode.SOLD_OUT, about=Subject.COUPON).message == "all of these coupons have been claimed"
    assert refusal(ErrorCode.NOT_FOUND, about=Subject.LOTTERY).message == "no such lottery"
    assert refusal(ErrorCode.INVALID, about=Subject.LOTTERY).message == "invalid request"
    assert refusal(ErrorCode.NOT_FOUND).message == "not_found"
    assert refusal(ErrorCode.ENDED, "closed early", Subject.SALE).message == "closed early"
    assert all(isinstance(code, ErrorCode) and text for (_, code), text in MESSAGES.items())


def test_script_codes_outside_the_vocabulary_are_internal() -> None:
    assert from_script(b"limit_reached", Subject.SALE) == Refusal(ErrorCode.LIMIT_REACHED,
                                                                  "you reached this sale's per-user limit")
    assert code_of("no_such_code") is ErrorCode.INTERNAL and code_of(b"busy") is ErrorCode.BUSY


def test_accepted_is_a_result_with_ok_true() -> None:
    assert accepted({"ok": True, "order": "o1"})
    assert not accepted(Refusal(ErrorCode.SOLD_OUT)) and not accepted({"order": "o1"})


def test_the_domain_error_carries_a_refusal() -> None:
    err = RefusedError(ErrorCode.BUSY, "lottery l1 is still open")
    assert err.refusal == Refusal(ErrorCode.BUSY, "lottery l1 is still open") and str(err) == err.message
    assert RefusedError.of(err.refusal).refusal == err.refusal


def test_one_status_per_code_and_business_refusals_are_conflicts() -> None:
    assert {c: status_of(c) for c in (ErrorCode.INVALID, ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN,
                                      ErrorCode.NOT_FOUND, ErrorCode.UNAVAILABLE, ErrorCode.INTERNAL)} == {
        ErrorCode.INVALID: 400, ErrorCode.UNAUTHORIZED: 401, ErrorCode.FORBIDDEN: 403, ErrorCode.NOT_FOUND: 404,
        ErrorCode.UNAVAILABLE: 503, ErrorCode.INTERNAL: 500}
    for code in (ErrorCode.SOLD_OUT, ErrorCode.ALREADY, ErrorCode.BUSY, ErrorCode.EXPIRED, ErrorCode.NOT_LIVE):
        assert status_of(code) == 409
    assert code_for_status(400) is ErrorCode.INVALID and code_for_status(500) is ErrorCode.INTERNAL
    assert code_for_status(405) is ErrorCode.METHOD_NOT_ALLOWED and code_for_status(418) is ErrorCode.INVALID
    assert all(code_for_status(s) in STATUS and status_of(code_for_status(s)) == s for s in set(STATUS.values()))
    answer = ApiError.of(Refusal(ErrorCode.UNAVAILABLE, "retry"))
    assert (answer.status, answer.code, answer.message) == (503, ErrorCode.UNAVAILABLE, "retry")


def test_every_code_has_a_note_and_http_only_ones_say_so() -> None:
    assert set(ERROR_NOTES) == set(ErrorCode)
    assert all(ERROR_NOTES[c].startswith("HTTP:") == (c in HTTP_ONLY) for c in ErrorCode)
