"""The rules for identifiers a client names, in one place for the API, the gateway and the command line.

A room id is what the API creates, what a token binds and what a viewer joins; the gateway also accepts
``host:<room>`` (the host's side room). Ids become parts of Redis keys (inside a hash tag, so never braces)
and of order ids (``<room>.<hex>``), hence the small alphabet.
"""

from __future__ import annotations

import re

HOST_PREFIX = "host:"
ROOM_ID_RULE = "1..64 characters of A-Z a-z 0-9 _ . - (not . or .. alone)"
_ROOM = r"(?!\.\.?\Z)[A-Za-z0-9_.\-]{1,64}"  # "." and ".." would be dot segments in the API's paths
ROOM_ID = re.compile(_ROOM)
# anchored with \Z, not $: "$" also matches before a final newline
JOIN_TARGET = re.compile(r"(host:)?" + _ROOM + r"\Z")  # what ``join`` may name: a room or its host room
SALE_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")  # a sale's id (client-chosen or generated)
PROMO_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}\Z")  # a coupon batch's or a lottery's id (used with ``match``)


def valid_room_id(room: str) -> bool:
    return ROOM_ID.fullmatch(room) is not None


def valid_sale_id(sale: str) -> bool:
    return SALE_ID.fullmatch(sale) is not None
