"""Error codes (in ``error`` messages) and WebSocket close codes.

Close codes follow one rule a client can apply without a table: 4000-4499 and the standard 1001/1011/1012/1013
mean *reconnect* (with backoff, resuming from ``last_offset``); 4500-4999 mean *do not reconnect* without
changing something first (a new token, another room, fixing the client).
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class ErrorCode(StrEnum):
    BAD_FRAME = "bad_frame"  # not JSON, or not a JSON object
    UNKNOWN_TYPE = "unknown_type"  # "type" names no client message
    INVALID = "invalid"  # a known type with missing or ill-typed fields
    NOT_JOINED = "not_joined"  # a room action before "join"
    FORBIDDEN = "forbidden"  # the role may not do this (e.g. a viewer muting)
    TOO_LONG = "too_long"  # barrage over the length limit
    RATE_LIMITED = "rate_limited"  # per-user token bucket empty
    DUPLICATE = "duplicate"  # the same barrage text again within the spam window
    MUTED = "muted"  # the host muted this user
    NOT_FOUND = "not_found"  # sale, batch, lottery, message or gift unknown
    # commerce outcomes (also in the ``result`` of buy / claim / enter when refused)
    NOT_STARTED = "not_started"
    ENDED = "ended"
    SOLD_OUT = "sold_out"
    LIMIT_REACHED = "limit_reached"
    NOT_ELIGIBLE = "not_eligible"  # lottery entry condition not met
    ALREADY = "already"  # already entered / already done
    UNAVAILABLE = "unavailable"  # a dependency is down; safe to retry with the same key
    INTERNAL = "internal"
    # share attribution and friends' help (livecore/features/share)
    BAD_CODE = "bad_code"  # a share or help code altered, or made for another room or group
    SELF_REFERRAL = "self_referral"  # opening one's own share link
    REFERRAL_LOOP = "referral_loop"  # the sharer was brought by the visitor (A->B->A, or up the chain)
    SELF_HELP = "self_help"  # helping oneself unlock a help coupon
    GROUP_CLOSED = "group_closed"  # a group-buy group already complete, dissolved or past its deadline
    # host actions, orders, redemptions and HTTP only (never in a gateway ``error``)
    UNAUTHORIZED = "unauthorized"
    EXPIRED = "expired"
    BUSY = "busy"
    CANCELLED = "cancelled"
    NOT_ENDED = "not_ended"
    NOT_OWNER = "not_owner"
    ALREADY_USED = "already_used"
    NOT_YET_VALID = "not_yet_valid"
    THRESHOLD_NOT_MET = "threshold_not_met"
    ORDER_HAS_COUPON = "order_has_coupon"
    WRONG_ROOM = "wrong_room"
    IN_USE = "in_use"
    NOT_LIVE = "not_live"
    TOO_LARGE = "too_large"
    METHOD_NOT_ALLOWED = "method_not_allowed"


# the codes a gateway never answers (its ``error`` messages use the others)
HTTP_ONLY: frozenset[ErrorCode] = frozenset({
    ErrorCode.UNAUTHORIZED, ErrorCode.EXPIRED, ErrorCode.BUSY, ErrorCode.CANCELLED, ErrorCode.NOT_ENDED,
    ErrorCode.NOT_OWNER, ErrorCode.ALREADY_USED, ErrorCode.NOT_YET_VALID, ErrorCode.THRESHOLD_NOT_MET,
    ErrorCode.ORDER_HAS_COUPON, ErrorCode.WRONG_ROOM, ErrorCode.IN_USE, ErrorCode.NOT_LIVE, ErrorCode.TOO_LARGE,
    ErrorCode.METHOD_NOT_ALLOWED,
})


class CloseCode(IntEnum):
    NORMAL = 1000
    GOING_AWAY = 1001  # reconnect
    UNSUPPORTED_DATA = 1003  # a binary frame: the protocol is JSON text frames; do not reconnect as is
    MESSAGE_TOO_BIG = 1009  # a frame over the size limit; do not resend it
    INTERNAL_ERROR = 1011  # reconnect
    SERVICE_RESTART = 1012  # the gateway is shutting down: reconnect (to another gateway), resume
    TRY_AGAIN_LATER = 1013  # overloaded: reconnect with backoff
    # 4000-4499: reconnect
    SLOW_CONSUMER = 4001  # the viewer did not read fast enough; reconnect and resume/resync
    IDLE_TIMEOUT = 4002  # no frame (not even a ping) within the idle timeout
    # 4500-4999: do not reconnect as is
    UNAUTHORIZED = 4501  # token missing, forged or malformed
    TOKEN_EXPIRED = 4502  # get a new token, then reconnect
    ROOM_FORBIDDEN = 4503  # the token does not allow this room
    FLOOD = 4504  # too many refused frames in a short time
    KICKED = 4505  # removed by the host or an admin
    PROTOCOL_VIOLATION = 4506  # too many malformed frames
    TOO_MANY_CONNECTIONS = 4507  # this user or address holds as many connections as allowed; close one first


def should_reconnect(code: int) -> bool:
    if code in (CloseCode.GOING_AWAY, CloseCode.INTERNAL_ERROR, CloseCode.SERVICE_RESTART,
                CloseCode.TRY_AGAIN_LATER, 1006):
        return True
    return 4000 <= code < 4500


# What each code means, for the generated contracts (docs/contracts) and the SDKs built from them.
ERROR_NOTES: dict[ErrorCode, str] = {
    ErrorCode.BAD_FRAME: "not JSON, or not a JSON object",
    ErrorCode.UNKNOWN_TYPE: "`type` names no client message",
    ErrorCode.INVALID: "a known type with missing, ill-typed or out-of-range fields",
    ErrorCode.NOT_JOINED: "a room action before `join`",
    ErrorCode.FORBIDDEN: "the role may not do this",
    ErrorCode.TOO_LONG: "barrage over the length limit",
    ErrorCode.RATE_LIMITED: "rate exceeded; wait `retry_after` seconds",
    ErrorCode.DUPLICATE: "the same barrage again within the spam window",
    ErrorCode.MUTED: "the host muted this user",
    ErrorCode.NOT_FOUND: "sale, batch, lottery, message or gift unknown",
    ErrorCode.NOT_STARTED: "the sale, batch or lottery has not started",
    ErrorCode.ENDED: "it has ended",
    ErrorCode.SOLD_OUT: "no stock or coupons left",
    ErrorCode.LIMIT_REACHED: "per-user limit reached",
    ErrorCode.NOT_ELIGIBLE: "the lottery's entry condition is not met",
    ErrorCode.ALREADY: "already entered / already done",
    ErrorCode.UNAVAILABLE: "a dependency is down or the connection dropped: retry with the same key",
    ErrorCode.INTERNAL: "a bug on the server's side; retry later",
    ErrorCode.BAD_CODE: "the share or help code was altered, or made for another room or group",
    ErrorCode.SELF_REFERRAL: "one's own share link: no referral recorded",
    ErrorCode.REFERRAL_LOOP: "the sharer was brought by this viewer (A->B->A or longer): no referral recorded",
    ErrorCode.SELF_HELP: "one cannot help oneself unlock a help coupon",
    ErrorCode.GROUP_CLOSED: "the group-buy group is complete, dissolved or past its deadline: open or join another",
    ErrorCode.UNAUTHORIZED: "HTTP: token missing, forged, malformed or expired",
    ErrorCode.EXPIRED: "HTTP: the order's payment window (or the coupon's validity) has passed",
    ErrorCode.BUSY: "HTTP: another lottery is still open in this room",
    ErrorCode.CANCELLED: "HTTP: the lottery was cancelled",
    ErrorCode.NOT_ENDED: "HTTP: the lottery's entry window has not ended",
    ErrorCode.NOT_OWNER: "HTTP: the coupon belongs to someone else",
    ErrorCode.ALREADY_USED: "HTTP: the coupon was used on another order",
    ErrorCode.NOT_YET_VALID: "HTTP: the coupon's validity has not begun",
    ErrorCode.THRESHOLD_NOT_MET: "HTTP: the order is below the coupon's threshold",
    ErrorCode.ORDER_HAS_COUPON: "HTTP: the order already uses another coupon",
    ErrorCode.WRONG_ROOM: "HTTP: the coupon belongs to another room than the order",
    ErrorCode.IN_USE: "HTTP: something still refers to it (a sale to a product)",
    ErrorCode.NOT_LIVE: "HTTP: the room is not live",
    ErrorCode.TOO_LARGE: "HTTP: the request body is over the size limit",
    ErrorCode.METHOD_NOT_ALLOWED: "HTTP: the path does not take this method",
}

CLOSE_NOTES: dict[int, str] = {
    CloseCode.NORMAL: "closed deliberately",
    CloseCode.GOING_AWAY: "the server is going away",
    CloseCode.UNSUPPORTED_DATA: "a binary frame: the protocol is JSON text frames",
    1006: "abnormal: the connection dropped (never sent, seen locally)",
    CloseCode.MESSAGE_TOO_BIG: "a client frame over the size limit; do not resend it",
    CloseCode.INTERNAL_ERROR: "unexpected server error",
    CloseCode.SERVICE_RESTART: "the gateway is shutting down: reconnect (to any gateway) and resume",
    CloseCode.TRY_AGAIN_LATER: "overloaded: reconnect with backoff",
    CloseCode.SLOW_CONSUMER: "the client did not read fast enough: reconnect and resume",
    CloseCode.IDLE_TIMEOUT: "no frame (not even a ping) within the idle timeout",
    CloseCode.UNAUTHORIZED: "token missing, forged or malformed",
    CloseCode.TOKEN_EXPIRED: "the token expired: get a new token, then reconnect",
    CloseCode.ROOM_FORBIDDEN: "the token does not allow this room",
    CloseCode.FLOOD: "too many refused frames in a short time",
    CloseCode.KICKED: "removed by the host or an admin",
    CloseCode.PROTOCOL_VIOLATION: "too many malformed frames",
    CloseCode.TOO_MANY_CONNECTIONS: "this user or address holds as many connections as allowed; close one first",
}
