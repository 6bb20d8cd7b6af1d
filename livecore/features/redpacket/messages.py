"""The client message of red packets: ``grab`` one packet of a rain (红包雨)."""

from __future__ import annotations

from ...protocol.client import ClientMsg
from ...protocol.ids import PROMO_ID


class Grab(ClientMsg, tag="grab"):
    """Grab one packet of a rain; ``key`` makes retries safe (the same key answers the first answer). Password
    packets (口令红包) are grabbed by sending their phrase as a ``chat`` instead."""

    rain: str
    key: str
    rid: str | None = None


def valid_id(packet: str) -> bool:
    return bool(PROMO_ID.match(packet))
