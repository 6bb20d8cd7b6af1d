"""Red packets (红包雨 / 口令红包): launch with a committed split, grab through one script, end and account.

* **Launch** (host): the split is made from a fresh seed (``split``); PostgreSQL records the packet, its
  amounts and the seed, and the host's budget pays the total (ledger row ``<id>#fund``) in one transaction;
  Redis gets the packet (``redpacket_create.lua``, pending), then it opens. The room is told the seed hash
  (reliable ``redpacket`` launched) and sees ``redpacket:<id>`` as state.
* **Grab**: ``redpacket_grab.lua`` decides (window, one per user, condition, next packet) and appends the grab to
  the room's ``redpackets`` stream; the ``redpackets`` worker credits it to the wallet (``worker``).
* **End** (the timer at ends_at, or the host): ``redpacket_end.lua`` stops grabs; PostgreSQL records the result
  and gives the leftover back to the host (``<id>#leftover``); the room is told once (seed, figures, top
  grabbers with names). Every step is safe to repeat, so the timer finishes what a crashed ender left.
* **Verify**: recompute the split from the revealed seed and check the recorded amounts and every credit.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
from typing import Any

import msgspec

from ... import replies
from ...commerce.batcher import CommandBatcher, script_reply
from ...commerce.state_publish import StatePublisher, ms
from ...core.outcome import Refusal, RefusedError, code_of, refusal
from ...idem import idem_id
from ...people import PeopleStore
from ...protocol.codec import encode, event_decoder
from ...protocol.codes import ErrorCode
from ...runtime import Runtime
from ...storage.audit import audit
from . import model
from . import split as sp
from .events import RedPacketEvent
from .keys import RedPacketKeys
from .ledger import Movement, post
from .messages import valid_id
from .phrase import normalise

log = logging.getLogger(__name__)

KEEP_S = 7 * 86400  # a packet's Redis keys outlive its window by this much
STATE_GRACE_MS = 60_000  # an ended packet leaves the room state this long after its end (at the next launch)


def _ts(millis: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(millis / 1000, dt.UTC)


def _text(raw: dict[Any, Any]) -> dict[str, str]:
    return {replies.text(k): replies.text(v) for k, v in raw.items()}


class RedPacketService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.keys = RedPacketKeys(rt.keys)
        self.state = StatePublisher(rt)
        self.people = PeopleStore(rt.redis, rt.keys)
        # the grabs of one event-loop iteration share one round trip (as purchases do)
        self.batcher = CommandBatcher(rt.redis, durability=rt.durability)
        self.ended_by_timer = 0

    def now_ms(self) -> int:
        return ms(self.rt.clock.now())

    # -- launching ------------------------------------------------------------------------------------
    async def launch(self, room: str, spec: model.RedPacketIn, actor: str) -> dict[str, Any]:
        """Split, record, fund and announce a packet; raises ``RefusedError`` (invalid, busy)."""
        found = model.problems(room, spec)
        if found:
            raise RefusedError(ErrorCode.INVALID, "; ".join(found))
        now = self.now_ms()
        packet = "rp" + secrets.token_hex(6)
        seed = sp.new_seed()
        amounts = sp.split(seed, spec.total, spec.count)
        starts = now + spec.start_in_s * 1000
        ends = starts + spec.window_s * 1000
        norm = normalise(spec.phrase) if spec.kind == "password" else ""
        fields: dict[str, str | int] = {
            "id": packet, "room": room, "kind": spec.kind, "host": actor, "total": spec.total, "count": spec.count,
            "condition": spec.condition, "watch_s": spec.watch_s, "watch_ms": spec.watch_s * 1000,
            "phrase": norm, "phrase_shown": spec.phrase.strip(), "starts_at": starts, "ends_at": ends,
            "seed_hash": sp.seed_hash(seed), "created_at": now,
        }
        k = self.keys.packet(room, packet)
        args: list[Any] = [max(0, (ends - now) // 1000) + KEEP_S, norm, now, len(fields)]
        for name, value in fields.items():
            args += [name, value]
        res = await self.rt.scripts.call("redpacket_create", keys=[k.hash, k.amounts, self.keys.phrases(room)],
                                         args=[*args, *amounts])
        if replies.text(res[0]) != "ok":
            if replies.text(res[1]) == "busy":
                raise RefusedError(ErrorCode.BUSY, f"red packet {replies.text(res[2])} of this room has this "
                                                   "phrase and is still open")
            raise RefusedError(ErrorCode.INVALID, replies.text(res[1]))
        # the timer's entry first: a launch that dies from here on is ended (and refunded) at ends_at
        pipe = self.rt.redis.pipeline(transaction=False)
        pipe.zadd(self.keys.due(), {f"{room}:{packet}": ends})
        pipe.sadd(self.keys.rooms(), room)
        pipe.hset(self.keys.room_of(), packet, room)
        if norm:
            pipe.zadd(self.keys.phrase_rooms(), {room: ends}, gt=True)
            pipe.zremrangebyscore(self.keys.phrase_rooms(), "-inf", now)
        await pipe.execute()
        try:
            assert self.rt.db is not None, "red packets need the database"
            async with self.rt.db.acquire() as conn, conn.transaction():
                await conn.execute(
                    """INSERT INTO red_packets (id, room_id, kind, host_id, total, count, amounts, condition, watch_s,
                           phrase, starts_at, ends_at, seed_hash, seed)
                       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)""",
                    packet, room, spec.kind, actor, spec.total, spec.count, amounts, spec.condition, spec.watch_s,
                    spec.phrase.strip(), _ts(starts), _ts(ends), fields["seed_hash"], seed)
                await post(conn, [Movement(f"{packet}#fund", actor, -spec.total, "fund", packet, at=_ts(now))])
                await audit(conn, room, actor, "redpacket.launch", {"redpacket": packet, **msgspec.to_builtins(spec)})
        except BaseException:
            with contextlib.suppress(Exception):  # never grabbable: it is still pending
                await self.rt.redis.delete(k.hash, k.amounts)
                await self.rt.redis.zrem(self.keys.due(), f"{room}:{packet}")
                if norm:
                    await self.rt.redis.hdel(self.keys.phrases(room), norm)
            raise
        await self.rt.redis.hset(k.hash, "status", "open")
        public = await self.get(room, packet)
        assert public is not None
        shown = ("kind", "total", "count", "starts_at", "ends_at", "condition", "watch_s", "seed_hash", "phrase")
        data: dict[str, Any] = {name: public[name] for name in shown if name in public}
        await self.rt.bus.publish_reliable(room, encode(RedPacketEvent(ts=now, redpacket=packet, phase="launched",
                                                                       data=data)))
        await self.state.publish_now(room, f"redpacket:{packet}", lambda: self._state_value(room, packet))
        await self._retire_ended(room, now)
        return public

    async def _retire_ended(self, room: str, now: int) -> None:
        """Take packets that ended more than ``STATE_GRACE_MS`` ago out of the room state."""
        gone: dict[str, Any] = {}
        for name, value in (await self.rt.bus.state(room)).items():
            if name.startswith("redpacket:") and isinstance(value, dict) and value.get("status") == "ended" \
                    and int(value.get("ends_at", now)) + STATE_GRACE_MS < now:
                gone[name] = None
        if gone:
            await self.rt.bus.set_state(room, gone)

    # -- reading --------------------------------------------------------------------------------------
    async def get(self, room: str, packet: str) -> dict[str, Any] | None:
        if not valid_id(packet):
            return None
        k = self.keys.packet(room, packet)
        pipe = self.rt.redis.pipeline(transaction=False)
        pipe.hgetall(k.hash)
        pipe.scard(k.said)
        raw, said = await pipe.execute()
        if not raw:
            return None
        return model.view(_text(raw), int(said))

    async def _state_value(self, room: str, packet: str) -> Any:
        return await self.get(room, packet)

    async def room_of(self, packet: str) -> str | None:
        room = await self.rt.redis.hget(self.keys.room_of(), packet) if valid_id(packet) else None
        return replies.text(room) if room is not None else None

    async def phrases(self, room: str) -> dict[str, tuple[str, int]]:
        """The room's password packets by normalised phrase: (id, ends_at)."""
        out: dict[str, tuple[str, int]] = {}
        for phrase, held in _text(await self.rt.redis.hgetall(self.keys.phrases(room))).items():
            packet, _, ends = held.rpartition("|")
            out[phrase] = (packet, int(ends))
        return out

    # -- grabbing -------------------------------------------------------------------------------------
    async def grab(self, room: str, user: str, packet: str, key: str, watched_s: float,
                   via: str = "tap") -> dict[str, Any] | Refusal:
        """One grab, decided by ``redpacket_grab.lua``; ``watched_s`` is measured by the gateway."""
        if not (valid_id(packet) and user and len(user) <= 128 and len(key) <= 128):
            return refusal(ErrorCode.INVALID, "invalid red packet id or key")
        res = script_reply(await self.batcher.submit_script(
            self.rt.scripts.get("redpacket_grab"), self.keys.grab(room, packet),
            [user, key, self.now_ms(), self.rt.settings.order_stream_maxlen, idem_id(user, key),
             int(watched_s * 1000), via]))
        outcome = replies.text(res[0])
        field = f"redpacket:{packet}"
        if outcome == "ok":
            if not int(res[5]):
                self.state.mark(room, field, lambda: self._state_value(room, packet))
            return {"ok": True, "redpacket": packet, "index": int(res[1]), "amount": int(res[2]),
                    "grabbed": int(res[3]), "count": int(res[4]), "replayed": bool(int(res[5]))}
        if via == "phrase":
            self.state.mark(room, field, lambda: self._state_value(room, packet))  # the senders' counter
        if outcome == "already":
            return refusal(ErrorCode.ALREADY, f"you grabbed {int(res[2])} cents of this red packet already")
        code = code_of(res[1])
        if code is ErrorCode.NOT_FOUND and self.rt.generation is not None \
                and await self.rt.generation.commerce_blocked():  # Redis lost it: back after `livecore restore`
            return refusal(ErrorCode.UNAVAILABLE, "this red packet is being restored; retry with the same key")
        return refusal(code, _WHY.get(code, code.value.replace("_", " ")))

    # -- ending ---------------------------------------------------------------------------------------
    async def end(self, room: str, packet: str, actor: str = "", early: bool = True) -> dict[str, Any]:
        """Stop grabs, record the result, give the leftover back, tell the room once. Safe to repeat and to
        run concurrently. Raises ``RefusedError`` (not_found, not_ended)."""
        if not valid_id(packet):
            raise RefusedError(ErrorCode.NOT_FOUND, "no such red packet")
        now = self.now_ms()
        k = self.keys.packet(room, packet)
        res = await self.rt.scripts.call("redpacket_end", keys=[k.hash, self.keys.phrases(room)],
                                         args=[now, "1" if early else "0"])
        if replies.text(res[0]) != "ended":
            code = replies.text(res[1])
            raise RefusedError(code_of(code), f"red packet {packet}: {code.replace('_', ' ')}")
        grabbed, given = int(res[1]), int(res[2])
        ended_at = int(await self.rt.redis.hget(k.hash, "ended_at") or now)
        seed = await self._record_end(room, packet, grabbed, given, ended_at, actor)
        top = await self._top(k.users)
        pipe = self.rt.redis.pipeline(transaction=False)
        pipe.hset(k.hash, mapping={"seed": seed, "top": msgspec.json.encode(top)})
        await pipe.execute()
        view = await self.get(room, packet)
        assert view is not None
        data: dict[str, Any] = {name: view[name] for name in ("kind", "grabbed", "count", "given", "total", "leftover",
                                              "seed_hash", "seed", "top")}
        event = RedPacketEvent(ts=now, redpacket=packet, phase="ended", data=data)
        await self.rt.bus.publish_reliable_once(room, encode(event), k.hash, "announced")
        await self.state.publish_now(room, f"redpacket:{packet}", lambda: self._state_value(room, packet))
        await self.rt.redis.zrem(self.keys.due(), f"{room}:{packet}")
        return view

    async def _record_end(self, room: str, packet: str, grabbed: int, given: int, ended_at: int,
                          actor: str) -> str:
        """The result and the leftover's ledger row, in one transaction (a repeat changes nothing); the seed."""
        assert self.rt.db is not None
        async with self.rt.db.acquire() as conn, conn.transaction():
            row = await conn.fetchrow("SELECT host_id, total, seed, status FROM red_packets WHERE id = $1 FOR UPDATE",
                                      packet)
            if row is None:
                raise RefusedError(ErrorCode.NOT_FOUND, f"red packet {packet} has no database record")
            if row["status"] == "open":
                leftover = row["total"] - given
                await conn.execute(
                    """UPDATE red_packets SET status = 'ended', grabbed = $2, given = $3, leftover = $4, ended_at = $5
                       WHERE id = $1""", packet, grabbed, given, leftover, _ts(ended_at))
                await post(conn, [Movement(f"{packet}#leftover", row["host_id"], leftover, "leftover", packet,
                                           at=_ts(ended_at))])
                await audit(conn, room, actor or "timer", "redpacket.end",
                            {"redpacket": packet, "grabbed": grabbed, "given": given, "leftover": leftover})
            return str(row["seed"])

    async def _top(self, users_key: str) -> list[dict[str, Any]]:
        top = model.top_grabs(_text(await self.rt.redis.hgetall(users_key)))
        names = await self.people.names_for([g["user"] for g in top])
        return [{**g, "name": names[g["user"]]} for g in top]

    async def end_due(self) -> list[str]:
        """End every packet whose window has closed (the timer); returns the ids ended."""
        due = replies.members(await self.rt.redis.zrangebyscore(self.keys.due(), "-inf", self.now_ms()))
        done = []
        for member in due:
            room, _, packet = replies.text(member).rpartition(":")
            try:
                await self.end(room, packet, early=False)
                done.append(packet)
                self.ended_by_timer += 1
            except RefusedError as exc:
                if exc.code is ErrorCode.NOT_FOUND:
                    await self.rt.redis.zrem(self.keys.due(), replies.text(member))
                elif exc.code is not ErrorCode.NOT_ENDED:
                    raise
        return done

    async def run_timer(self, stop: asyncio.Event, interval_s: float = 0.25) -> None:
        while not stop.is_set():
            try:
                await self.end_due()
            except Exception:
                log.exception("red packet timer")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)

    # -- verification ---------------------------------------------------------------------------------
    async def public_record(self, packet: str) -> dict[str, Any] | None:
        """The packet as PostgreSQL records it; the seed, the amounts and the credits only once ended."""
        assert self.rt.db is not None
        if not valid_id(packet):
            return None
        row = await self.rt.db.fetchrow("SELECT * FROM red_packets WHERE id = $1", packet)
        if row is None:
            return None
        record: dict[str, Any] = {
            "id": row["id"], "room": row["room_id"], "kind": row["kind"], "host": row["host_id"],
            "total": row["total"], "count": row["count"], "condition": row["condition"], "watch_s": row["watch_s"],
            "phrase": row["phrase"], "starts_at": ms(row["starts_at"].timestamp()),
            "ends_at": ms(row["ends_at"].timestamp()), "seed_hash": row["seed_hash"], "status": row["status"],
        }
        if row["status"] == "ended":
            grabs = await self.rt.db.fetch(
                """SELECT packet_index, user_id, delta FROM wallet_ledger WHERE red_packet_id = $1 AND kind = 'grab'
                   ORDER BY packet_index""", packet)
            record.update(seed=row["seed"], amounts=list(row["amounts"]), grabbed=row["grabbed"],
                          given=row["given"], leftover=row["leftover"],
                          credits=[{"index": g["packet_index"], "user": g["user_id"], "amount": g["delta"]}
                                   for g in grabs])
        return record

    async def announcements(self, room: str, packet: str) -> dict[str, dict[str, Any]]:
        """The launched/ended events of the packet still in the room's event stream (phase -> data)."""
        found: dict[str, dict[str, Any]] = {}
        for _, fields in replies.entries(await self.rt.redis.xrange(self.rt.keys.room_events(room))):
            try:
                event = event_decoder.decode(fields[b"e"])
            except (msgspec.DecodeError, KeyError):
                continue
            if isinstance(event, RedPacketEvent) and event.redpacket == packet:
                found[event.phase] = event.data
        return found

    async def verify(self, packet: str) -> dict[str, Any]:
        """Recompute every amount from the revealed seed; ``ok`` is False on any disagreement."""
        record = await self.public_record(packet)
        if record is None:
            return {"ok": False, "redpacket": packet, "problems": ["no such red packet"]}
        if record["status"] != "ended":
            return {"ok": False, "redpacket": packet, "status": record["status"], "seed_hash": record["seed_hash"],
                    "problems": ["the red packet has not ended: its seed is still secret"]}
        credits = [(c["index"], c["amount"]) for c in record["credits"]]
        verdict = sp.verify(sp.Record(seed_hash=record["seed_hash"], seed=record["seed"], total=record["total"],
                                      count=record["count"], amounts=record["amounts"], grabbed=credits,
                                      leftover=record["leftover"]))
        problems = list(verdict.problems)
        if len(credits) != record["grabbed"]:
            problems.append(f"{record['grabbed']} grabs recorded at the end, {len(credits)} credited in the ledger")
        told = await self.announcements(record["room"], packet)
        launched, ended = told.get("launched"), told.get("ended")
        if launched is not None and launched.get("seed_hash") != record["seed_hash"]:
            problems.append("the seed hash differs from the one announced to the room at launch")
        if ended is not None:
            for name in ("seed", "given", "leftover"):
                if ended.get(name) != record[name]:
                    problems.append(f"the recorded {name} differs from the one announced at the end")
        return {
            "ok": not problems, "redpacket": packet, "room": record["room"], "seed_hash": record["seed_hash"],
            "seed": record["seed"], "total": record["total"], "count": record["count"],
            "grabbed": len(credits), "given": sum(a for _, a in credits), "leftover": record["leftover"],
            "recomputed": verdict.recomputed, "announcements_checked": sorted(told), "problems": problems,
        }

    async def close(self) -> None:
        await self.batcher.close()
        await self.state.drain()
        await self.state.close()


_WHY = {
    ErrorCode.NOT_FOUND: "no such red packet",
    ErrorCode.NOT_STARTED: "the red packet rain has not started yet",
    ErrorCode.ENDED: "this red packet has ended",
    ErrorCode.SOLD_OUT: "every packet has been grabbed",
    ErrorCode.NOT_ELIGIBLE: "this red packet's condition is not met (or a password packet: send its phrase)",
}
