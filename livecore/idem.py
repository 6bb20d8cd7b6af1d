"""The one name of an idempotency record: whose it is and the key its owner chose.

A user id may contain any character, ``:`` included, so joining user and key with a separator is ambiguous
(user ``u:x`` with key ``k`` and user ``u`` with key ``x:k`` would share ``u:x:k``). The user is written in
hex (``[0-9a-f]``, no ``:``), so the first ``:`` ends it and no two pairs share a name. Every record keyed by
a (user, client key) pair is named by this function: purchases, coupon claims, gifts, and whatever rebuilds
them.
"""

from __future__ import annotations


def idem_id(user: str, key: str) -> str:
    """``<hex of the user's UTF-8>:<key>``; injective over (user, key) pairs."""
    return f"{user.encode('utf-8', 'surrogatepass').hex()}:{key}"
