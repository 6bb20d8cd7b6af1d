"""The one refusal vocabulary: a ``Refusal`` (an ``ErrorCode`` and a message) and the one domain error.

A service that decides something a viewer or a host asked for answers either its result or a ``Refusal``;
a host action that cannot answer a value raises ``RefusedError`` carrying one. The same value travels from a
Lua script's reply (``from_script``) to the gateway's ``error`` message and to the API's error body (the API's
status map turns the code into an HTTP status). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeGuard

import msgspec

from ..protocol.codes import ErrorCode


class Refusal(msgspec.Struct, frozen=True):
    """Why something was not done. ``retry_after`` (seconds) only for ``rate_limited``."""

    code: ErrorCode
    message: str = ""
    retry_after: float | None = None


class Subject(StrEnum):
    """What a refusal is about: it picks the default message of a code."""

    ANY = ""
    SALE = "sale"
    ORDER = "order"
    COUPON = "coupon"
    LOTTERY = "lottery"
    GROUP = "group"


# The default message of each refusal, by subject; ``Subject.ANY`` holds the ones shared by every subject.
MESSAGES: dict[tuple[Subject, ErrorCode], str] = {
    (Subject.ANY, ErrorCode.INVALID): "invalid request",
    (Subject.ANY, ErrorCode.UNAVAILABLE): "temporarily unavailable; retry with the same key",
    (Subject.SALE, ErrorCode.NOT_FOUND): "no such sale",
    (Subject.SALE, ErrorCode.NOT_STARTED): "the sale has not started yet",
    (Subject.SALE, ErrorCode.ENDED): "the sale has ended",
    (Subject.SALE, ErrorCode.SOLD_OUT): "sold out",
    (Subject.SALE, ErrorCode.LIMIT_REACHED): "you reached this sale's per-user limit",
    (Subject.ORDER, ErrorCode.NOT_FOUND): "no such order",
    (Subject.ORDER, ErrorCode.EXPIRED): "the payment window of this order has passed",
    (Subject.ORDER, ErrorCode.FORBIDDEN): "this order belongs to someone else",
    (Subject.ORDER, ErrorCode.ALREADY): "this order is already paid",
    (Subject.COUPON, ErrorCode.NOT_FOUND): "no such coupon batch",
    (Subject.COUPON, ErrorCode.ENDED): "this coupon can no longer be claimed",
    (Subject.COUPON, ErrorCode.NOT_STARTED): "this coupon cannot be claimed yet",
    (Subject.COUPON, ErrorCode.LIMIT_REACHED): "you already hold as many of these coupons as allowed",
    (Subject.COUPON, ErrorCode.SOLD_OUT): "all of these coupons have been claimed",
    (Subject.LOTTERY, ErrorCode.NOT_FOUND): "no such lottery",
    (Subject.LOTTERY, ErrorCode.ENDED): "this lottery no longer takes entries",
    (Subject.LOTTERY, ErrorCode.ALREADY): "you have already entered",
    (Subject.GROUP, ErrorCode.NOT_FOUND): "no such group deal or group",
    (Subject.GROUP, ErrorCode.NOT_STARTED): "this group deal has not started yet",
    (Subject.GROUP, ErrorCode.ENDED): "this group deal has ended",
    (Subject.GROUP, ErrorCode.SOLD_OUT): "no units left in this group deal",
    (Subject.GROUP, ErrorCode.LIMIT_REACHED): "you hold as many units of this group deal as allowed",
    (Subject.GROUP, ErrorCode.ALREADY): "you are already in this group",
    (Subject.GROUP, ErrorCode.GROUP_CLOSED): "this group is full or past its deadline; open or join another",
    (Subject.GROUP, ErrorCode.EXPIRED): "the payment window of this group order has passed; its unit went back",
}


def refusal(code: ErrorCode, message: str = "", about: Subject = Subject.ANY) -> Refusal:
    """A refusal with ``message``, or the default message of ``code`` for ``about`` (else the code itself)."""
    return Refusal(code, message or MESSAGES.get((about, code)) or MESSAGES.get((Subject.ANY, code)) or code.value)


_CODES: Mapping[str | bytes, ErrorCode] = MappingProxyType(
    {**{c.value: c for c in ErrorCode}, **{c.value.encode(): c for c in ErrorCode}})


def code_of(raw: str | bytes) -> ErrorCode:
    """A code as a script or a peer spelled it; one outside the vocabulary is a bug on this side: ``internal``.
    (A table lookup: a storm's refusals call this for nearly every answer, and ``ErrorCode(text)`` costs more.)"""
    return _CODES.get(raw, ErrorCode.INTERNAL)


def from_script(raw: str | bytes, about: Subject = Subject.ANY, message: str = "") -> Refusal:
    """The refusal a Lua script answered (``{'no'|'err', code}``), with its default message."""
    return refusal(code_of(raw), message, about)


def accepted(answer: dict[str, Any] | Refusal) -> TypeGuard[dict[str, Any]]:
    """Was the answer a result (``{"ok": true, ...}``), not a refusal?"""
    return isinstance(answer, dict) and answer.get("ok") is True


class RefusedError(Exception):
    """The one domain error: an action was refused (host actions and the calls that cannot answer a value)."""

    def __init__(self, code: ErrorCode, message: str = "", about: Subject = Subject.ANY) -> None:
        self.refusal = refusal(code, message, about)
        super().__init__(self.refusal.message)

    @classmethod
    def of(cls, refused: Refusal) -> RefusedError:
        return cls(refused.code, refused.message)

    @property
    def code(self) -> ErrorCode:
        return self.refusal.code

    @property
    def message(self) -> str:
        return self.refusal.message
