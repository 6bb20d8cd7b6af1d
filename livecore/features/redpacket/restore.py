"""Putting the red packets Redis lost back from PostgreSQL (the red packets' part of ``livecore restore``).

PostgreSQL holds each packet as launched (terms, window, the split in hand-out order, the seed) and, in the wallet
ledger, every grab the ``redpackets`` worker credited (user, packet index, amount, the grab's idempotency key).
For each packet PostgreSQL holds open (not ended, or ended in Redis but not yet accounted: the result and the
leftover's refund are written in one transaction) that Redis no longer holds:

1. each credited grab: the grabber (so nobody grabs twice) and the grab's idempotency record (a retried grab
   with the same key replays its first answer);
2. last, in one script (``redpacket_restore.lua``), the packets not credited, in split order and with their
   index in the split, and the packet hash with ``next`` = ``base`` = the grabs credited and ``given`` = their
   cents, so the packets already credited are never handed out again and ``given`` + what is left = the total;
   a password packet still open gets its phrase back (unless another open packet of the room took it since);
3. the timer's entry at ``ends_at``: a packet whose window has closed is ended by the timer at once, which
   records the result and refunds the leftover (the total minus the credited and later grabs) exactly once.

Grabs Redis acknowledged but the worker had not credited when Redis lost its data are not in PostgreSQL and
cannot come back (``LIVECORE_DURABILITY=replica`` or ``fsync`` make that set empty): their packets are handed out
again, and their grabbers may grab again. Run restore once the ledger worker has drained (a batch it read from
the old Redis and commits after the restore could credit a packet index handed out again). What else lived only
in Redis is gone too: the phrase senders' counter of a password packet, and an early end by the host that was not
yet recorded (the packet is open again until its ``ends_at``). Ended packets are PostgreSQL's record already.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ... import replies
from ...commerce.state_publish import ms
from ...idem import idem_id
from ...runtime import Runtime
from ..base import RestoreScope
from ..restoring import restore_open
from .phrase import normalise
from .service import KEEP_S, RedPacketService

CHUNK = 2000


@dataclass(slots=True)
class PacketRestore:
    redpacket: str
    room: str
    restored: bool
    grabs: int = 0  # credited grabs put back
    given: int = 0  # their cents
    remaining: int = 0  # packets still to hand out
    left: int = 0  # their cents (given + left = total)
    due: bool = False  # its window had closed: the timer ends and accounts it
    why: str = ""

    def text(self) -> str:
        if not self.restored:
            return f"red packet {self.redpacket} in room {self.room}: left alone ({self.why})"
        then = "; its window has closed, the timer ends it and refunds the leftover" if self.due else ""
        note = f" ({self.why})" if self.why else ""
        return (f"red packet {self.redpacket} in room {self.room}: restored, {self.grabs} credited grabs "
                f"({self.given} cents), {self.remaining} packets left ({self.left} cents){then}{note}")

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


async def restore(rt: Runtime, scope: RestoreScope) -> list[PacketRestore]:
    """Every open red packet of PostgreSQL (in ``scope``) that Redis does not hold (``Feature.restore``)."""
    return await restore_open(rt, table="red_packets", order="created_at", room=scope.room,
                              ident=scope.only("redpacket"), service=RedPacketService, one=_restore_packet)


async def _restore_packet(rt: Runtime, svc: RedPacketService, row: Any) -> PacketRestore:
    room, packet = row["room_id"], row["id"]
    k = svc.keys.packet(room, packet)
    if await rt.redis.exists(k.hash):
        return PacketRestore(packet, room, restored=False, why="present in Redis")
    assert rt.db is not None
    grabs = await rt.db.fetch(
        """SELECT user_id, packet_index, delta, grab_key FROM wallet_ledger WHERE red_packet_id = $1 AND kind = 'grab'
           ORDER BY packet_index""", packet)
    now = svc.now_ms()
    starts, ends = ms(row["starts_at"].timestamp()), ms(row["ends_at"].timestamp())
    ttl_s = max(0, (ends - now) // 1000) + KEEP_S
    for i in range(0, len(grabs), CHUNK):
        pipe = rt.redis.pipeline(transaction=False)
        for g in grabs[i:i + CHUNK]:
            record = f"{int(g['packet_index'])}:{int(g['delta'])}"
            pipe.hset(k.users, g["user_id"], record)
            pipe.hset(k.idem, idem_id(g["user_id"], g["grab_key"]), record)
        await pipe.execute()
    if grabs:
        await rt.redis.expire(k.users, ttl_s)
        await rt.redis.expire(k.idem, ttl_s)
    credited = {int(g["packet_index"]) for g in grabs}
    left = [(i, int(a)) for i, a in enumerate(row["amounts"]) if i not in credited]
    given = sum(int(g["delta"]) for g in grabs)
    phrase = normalise(row["phrase"]) if row["kind"] == "password" else ""
    fields: dict[str, str | int] = {
        "id": packet, "room": room, "kind": row["kind"], "host": row["host_id"], "total": int(row["total"]),
        "count": int(row["count"]), "condition": row["condition"], "watch_s": int(row["watch_s"]),
        "watch_ms": int(row["watch_s"]) * 1000, "phrase": phrase, "phrase_shown": row["phrase"],
        "starts_at": starts, "ends_at": ends, "seed_hash": row["seed_hash"],
        "created_at": ms(row["created_at"].timestamp()), "status": "open", "next": len(grabs), "base": len(grabs),
        "given": given, "restored_at": now,
    }
    args: list[Any] = [ttl_s, phrase if now < ends else "", now, len(fields)]
    for name, value in fields.items():
        args += [name, value]
    res = await rt.scripts.call("redpacket_restore", keys=[k.hash, k.amounts, svc.keys.phrases(room)],
                                args=[*args, *(f"{i}:{a}" for i, a in left)])
    if replies.text(res[0]) != "ok":  # another restore (or a launch of the same id) got there first
        return PacketRestore(packet, room, restored=False, why="present in Redis")
    why = f"its phrase is held by the open red packet {replies.text(res[2])}" if len(res) > 2 else ""
    pipe = rt.redis.pipeline(transaction=False)
    pipe.zadd(svc.keys.due(), {f"{room}:{packet}": ends})
    pipe.sadd(svc.keys.rooms(), room)
    pipe.hset(svc.keys.room_of(), packet, room)
    if phrase and now < ends and not why:
        pipe.zadd(svc.keys.phrase_rooms(), {room: ends}, gt=True)
    await pipe.execute()
    if now < ends:
        await svc.state.publish_now(room, f"redpacket:{packet}", lambda: svc._state_value(room, packet))
    return PacketRestore(packet, room, restored=True, grabs=len(grabs), given=given, remaining=len(left),
                         left=sum(a for _, a in left), due=now >= ends, why=why)
