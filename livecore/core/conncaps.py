"""How many connections one user and one client address may hold at once (pure counting).

``admit`` counts a connection in, or says which cap it would exceed; ``release`` counts it out. A cap of 0
means no cap.
"""

from __future__ import annotations

from collections.abc import Mapping


class ConnectionCaps:
    def __init__(self, per_user: int, per_address: int) -> None:
        self.per_user = per_user
        self.per_address = per_address
        self._users: dict[str, int] = {}
        self._addresses: dict[str, int] = {}

    def admit(self, user: str, address: str) -> str | None:
        """None when admitted (and counted); else ``"user"`` or ``"address"``: the cap it would exceed."""
        if self.per_user and self._users.get(user, 0) >= self.per_user:
            return "user"
        if self.per_address and address and self._addresses.get(address, 0) >= self.per_address:
            return "address"
        self._users[user] = self._users.get(user, 0) + 1
        if address:
            self._addresses[address] = self._addresses.get(address, 0) + 1
        return None

    def release(self, user: str, address: str) -> None:
        _down(self._users, user)
        if address:
            _down(self._addresses, address)

    def held(self, user: str = "", address: str = "") -> int:
        return self._users.get(user, 0) if user else self._addresses.get(address, 0)


def _down(counts: dict[str, int], key: str) -> None:
    left = counts.get(key, 0) - 1
    if left > 0:
        counts[key] = left
    else:
        counts.pop(key, None)


def client_address(peer: str, headers: Mapping[str, str] | None, header: str) -> str:
    """The client's address: ``peer`` (the socket's), or with ``header`` set (e.g. ``X-Forwarded-For`` behind
    a trusted proxy) the last address that header lists, the one the proxy added."""
    if header and headers:
        value = headers.get(header) or ""  # both servers' header maps ignore case
        last = value.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return peer
