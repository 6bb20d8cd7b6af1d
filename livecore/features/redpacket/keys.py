"""Where a red packet lives in Redis. Every key of one packet carries its room's hash tag (one slot per script)."""

from __future__ import annotations

from dataclasses import dataclass

from ...keys import Keys


@dataclass(frozen=True, slots=True)
class PacketKeys:
    hash: str
    amounts: str
    users: str
    idem: str
    said: str


class RedPacketKeys:
    CACHED = 1024  # packets whose key names are kept (a storm grabs a few packets many thousand times)

    def __init__(self, keys: Keys) -> None:
        self.k = keys
        self._packets: dict[tuple[str, str], PacketKeys] = {}
        self._grabs: dict[tuple[str, str], list[str]] = {}

    def packet(self, room: str, packet: str) -> PacketKeys:
        cached = self._packets.get((room, packet))
        if cached is None:
            if len(self._packets) >= self.CACHED:
                self._packets.clear()
            cached = self._packets[(room, packet)] = self._packet(room, packet)
        return cached

    def grab(self, room: str, packet: str) -> list[str]:
        """The keys of ``redpacket_grab.lua``, in its order (cached like ``packet``)."""
        cached = self._grabs.get((room, packet))
        if cached is None:
            if len(self._grabs) >= self.CACHED:
                self._grabs.clear()
            k = self.packet(room, packet)
            cached = self._grabs[(room, packet)] = [k.hash, k.amounts, k.users, k.idem, k.said, self.outbox(room),
                                                     self.followers(room)]
        return cached

    def _packet(self, room: str, packet: str) -> PacketKeys:
        base = ("rp", packet)
        return PacketKeys(hash=self.k.room(room, *base), amounts=self.k.room(room, *base, "amounts"),
                          users=self.k.room(room, *base, "users"), idem=self.k.room(room, *base, "idem"),
                          said=self.k.room(room, *base, "said"))

    def phrases(self, room: str) -> str:
        """The room's open password packets: normalised phrase -> ``"<id>|<ends_at>"``."""
        return self.k.room(room, "rp", "phrases")

    def outbox(self, room: str) -> str:
        """The room's grabs, credited to wallets by the ``redpackets`` worker."""
        return self.k.room(room, "redpackets")

    def followers(self, room: str) -> str:
        return self.k.room(room, "followers")  # kept by the lottery's on_follow

    def rooms(self) -> str:
        """Rooms that have an outbox, for the worker to discover."""
        return self.k.global_key("redpacket", "rooms")

    def due(self) -> str:
        """``room:id`` -> ends_at (ms) of packets not yet ended, for the timer."""
        return self.k.global_key("redpacket", "due")

    def phrase_rooms(self) -> str:
        """Rooms with a password packet -> the latest ends_at (ms) among them: the rooms a gateway's phrase cache
        reads."""
        return self.k.global_key("redpacket", "phrased")

    def room_of(self) -> str:
        """Packet id -> room (the public record and the verifier find a packet by its id alone)."""
        return self.k.global_key("redpacket", "room")
