"""Lottery draws (福袋): open with a committed seed, take deduplicated entries, draw verifiably.

* **Open** (host): prize, number of winners, entry window (``ends_at``) and one entry condition:
  ``keyword`` (comment the keyword), ``follow`` (follow the host), ``watch`` (watched at least ``watch_s``
  seconds) or ``purchase`` (bought in this session: member of the room's ``buyers`` set, kept by the sale
  script). A secret seed (``secrets.token_hex(32)``) is stored privately in Redis and PostgreSQL and
  SHA-256(seed) is announced (reliable ``LotteryEvent`` opened, state ``lottery``). One lottery per room
  is open at a time.
* **Enter**: the service checks the condition, ``lottery_enter.lua`` decides (window open, not already
  entered) and records. Keyword lotteries are entered by ``on_chat`` when a comment contains the keyword;
  the open lottery's keyword is cached per room for a second, as this runs on every comment.
* **Draw** (host, or the timer at ``ends_at``): ``lottery_close.lua`` stops entries, winners are derived
  from the seed and the sorted entry list (``livecore.core.draw``, specified in ``docs/lottery.md``), the
  entries, winners and seed go to PostgreSQL in one transaction, then ``lottery_finish.lua`` lets exactly
  one drawer announce (reliable ``LotteryEvent`` drawn with winners, seed and entries digest). The event is
  published and marked ``announced`` by one script (``room_publish_once.lua``), so the room is told exactly
  once. A drawer that dies anywhere between recording and the end of the announcement is covered by the
  timer: the lottery stays in its set, due ``ANNOUNCE_LEASE_MS`` after the draw, and the timer finishes the
  announcement of what was recorded (telling the room only if it was not told yet).
* **Verify**: ``verify`` recomputes the winners from PostgreSQL's record and cross-checks what the room was
  told (the opened/drawn events, while still in the room's event stream).

Event and state data use ``winners_count`` for the number of prizes and ``winners`` for the list of
winning user ids (drawn only). Times are epoch milliseconds; durations (``*_s``) are seconds.
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
from ...commerce.state_publish import SKIP, StatePublisher, ms
from ...core import draw as drawing
from ...core.outcome import Refusal, RefusedError, Subject, code_of, refusal
from ...people import PeopleStore
from ...protocol.codec import event_decoder
from ...protocol.codes import ErrorCode
from ...protocol.events import LotteryEvent
from ...protocol.ids import PROMO_ID as _ID
from ...protocol.ids import valid_room_id
from ...protocol.limits import DurationS, EpochMs, WatchS, Winners
from ...runtime import Runtime
from ...storage.audit import audit

log = logging.getLogger(__name__)

CONDITIONS = ("keyword", "follow", "watch", "purchase")
_KEYWORD_CACHE_S = 1.0
_ENTERED_CACHE_MAX = 200_000

class LotteryIn(msgspec.Struct, forbid_unknown_fields=True):
    """A lottery as the host asks for it (also the JSON body of ``POST /api/rooms/{room}/lotteries``)."""

    prize: str
    winners: Winners = 1
    condition: str = "keyword"
    keyword: str = ""
    watch_s: WatchS = 0
    ends_at: EpochMs | None = None  # epoch ms (exclusive); or duration_s from now
    duration_s: DurationS = 0


def _ts(millis: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(millis / 1000, dt.UTC)


def _state_object(h: dict[str, str]) -> dict[str, Any]:
    """The ``lottery`` state / API view of a lottery hash; the seed only once drawn."""
    out: dict[str, Any] = {
        "id": h["id"], "room": h["room"], "prize": h["prize"], "winners_count": int(h["winners_count"]),
        "condition": h["condition"], "keyword": h.get("keyword", ""), "watch_s": int(h.get("watch_s", 0)),
        "opened_at": int(h["opened_at"]), "ends_at": int(h["ends_at"]), "seed_hash": h["seed_hash"],
        "status": h["status"], "entries": int(h.get("entries", 0)),
    }
    if h["status"] == "drawn":
        out["winners"] = msgspec.json.decode(h["winners"])
        out["seed"] = h["seed"]
        out["entries_digest"] = h["entries_digest"]
    return out


ANNOUNCE_LEASE_MS = 10_000  # a drawer silent this long after recording a result is presumed dead


class LotteryService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.k = rt.keys
        self.state = StatePublisher(rt)
        self._rules: dict[tuple[str, str], dict[str, str]] = {}  # immutable entry rules per lottery
        self._open: dict[str, tuple[float, dict[str, str] | None]] = {}  # room -> (expires, open lottery)
        self._entered: dict[str, set[str]] = {}  # lottery -> users known to have entered (on_chat shortcut)
        self.drawn_by_timer = 0  # draws (and announcements finished for a dead drawer) done by ``draw_due``

    # -- keys -----------------------------------------------------------------------------------------
    def _hash(self, room: str, lottery: str) -> str:
        return self.k.room(room, "lottery", lottery)

    def _seed_key(self, room: str, lottery: str) -> str:
        return self.k.room(room, "lottery", lottery, "seed")

    def _entries_key(self, room: str, lottery: str) -> str:
        return self.k.room(room, "lottery", lottery, "entries")

    def _pointer(self, room: str) -> str:
        return self.k.room(room, "lottery", "open")

    def followers_key(self, room: str) -> str:
        return self.k.room(room, "followers")

    def buyers_key(self, room: str) -> str:
        return self.k.room(room, "buyers")

    def _due_key(self) -> str:
        """Global sorted set ``room:id`` -> ends_at (ms) of open lotteries, for the draw timer."""
        return self.k.global_key("lottery", "due")

    def _now_ms(self) -> int:
        return ms(self.rt.clock.now())

    # -- opening --------------------------------------------------------------------------------------
    async def open(self, room: str, spec: LotteryIn, actor: str) -> dict[str, Any]:
        """Open and announce a lottery; raises ``RefusedError`` (invalid, busy)."""
        now = self._now_ms()
        ends = spec.ends_at if spec.ends_at is not None else now + spec.duration_s * 1000
        problems = _problems(room, spec, now, ends)
        if problems:
            raise RefusedError(ErrorCode.INVALID, "; ".join(problems))
        lottery = "lt" + secrets.token_hex(6)
        seed = drawing.new_seed()
        fields = {
            "id": lottery, "room": room, "prize": spec.prize, "winners_count": spec.winners,
            "condition": spec.condition, "keyword": spec.keyword.strip(), "watch_s": spec.watch_s,
            "opened_at": now, "ends_at": ends, "seed_hash": drawing.seed_hash(seed), "status": "open",
        }
        ttl_s = max(0, (ends - now) // 1000) + 7 * 86400
        args: list[Any] = [lottery, seed, ttl_s]
        for key, value in fields.items():
            args += [key, value]
        res = await self.rt.scripts.call(
            "lottery_open", keys=[self._hash(room, lottery), self._seed_key(room, lottery), self._pointer(room)],
            args=args)
        if replies.text(res[0]) != "ok":
            code = replies.text(res[1])
            raise RefusedError(ErrorCode.BUSY, f"lottery {replies.text(res[2])} is still open in this room") \
                if code == "busy" else RefusedError(ErrorCode.INVALID, code)
        assert self.rt.db is not None, "lotteries need the database"
        try:
            async with self.rt.db.acquire() as conn, conn.transaction():
                await conn.execute(
                    """INSERT INTO lotteries (id, room_id, prize, winners_count, condition, keyword, watch_s,
                           opened_at, ends_at, seed_hash, seed, created_by)
                       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)""",
                    lottery, room, spec.prize, spec.winners, spec.condition, fields["keyword"], spec.watch_s,
                    _ts(now), _ts(ends), fields["seed_hash"], seed, actor)
                await audit(conn, room, actor, "lottery.open", {"lottery": lottery, **msgspec.to_builtins(spec)})
        except BaseException:
            await self.rt.scripts.call("lottery_cancel", keys=[self._hash(room, lottery), self._pointer(room)],
                                       args=[lottery])
            raise
        await self.rt.redis.zadd(self._due_key(), {f"{room}:{lottery}": ends})
        self._open.pop(room, None)
        public = _state_object({k: str(v) for k, v in fields.items()})
        data = {k: public[k] for k in ("prize", "winners_count", "condition", "keyword", "watch_s", "ends_at",
                                       "seed_hash")}
        await self.rt.bus.publish_reliable(room, LotteryEvent(ts=now, lottery=lottery, phase="opened", data=data))
        await self.state.publish_now(room, "lottery", lambda: self._state_value(room, lottery))
        return public

    async def cancel(self, room: str, lottery: str, actor: str) -> bool:
        """Cancel an open lottery without a draw (its seed is never revealed)."""
        if not _ID.match(lottery):
            return False
        done = await self.rt.scripts.call("lottery_cancel", keys=[self._hash(room, lottery), self._pointer(room)],
                                          args=[lottery])
        if not done:
            return False
        await self.rt.redis.zrem(self._due_key(), f"{room}:{lottery}")
        assert self.rt.db is not None
        async with self.rt.db.acquire() as conn, conn.transaction():
            await conn.execute("UPDATE lotteries SET status = 'cancelled' WHERE id = $1 AND status = 'open'", lottery)
            await audit(conn, room, actor, "lottery.cancel", {"lottery": lottery})
        self._open.pop(room, None)
        await self.rt.bus.publish_reliable(room, LotteryEvent(ts=self._now_ms(), lottery=lottery, phase="cancelled"))
        await self.state.publish_now(room, "lottery", lambda: self._state_value(room, lottery))
        return True

    # -- reading --------------------------------------------------------------------------------------
    async def _hash_fields(self, room: str, lottery: str) -> dict[str, str] | None:
        raw = await self.rt.redis.hgetall(self._hash(room, lottery))
        return {replies.text(k): replies.text(v) for k, v in raw.items()} if raw else None

    async def get(self, room: str, lottery: str) -> dict[str, Any] | None:
        if not _ID.match(lottery):
            return None
        h = await self._hash_fields(room, lottery)
        if h is None:
            return None
        if h["status"] in ("open", "drawing"):
            h["entries"] = str(await self.rt.redis.zcard(self._entries_key(room, lottery)))
        out = _state_object(h)
        if out.get("winners"):  # the winners' display names beside their ids (livecore.people)
            out["names"] = await PeopleStore(self.rt.redis, self.rt.keys).names_for(out["winners"])
        return out

    async def current(self, room: str) -> dict[str, Any] | None:
        """The room's ``lottery`` state (the open one, or the last drawn), or None."""
        state = await self.rt.bus.state(room)
        value = state.get("lottery")
        return value if isinstance(value, dict) else None

    async def _state_value(self, room: str, lottery: str) -> Any:
        view = await self.get(room, lottery)
        if view is None or view["status"] == "cancelled":
            # clear only if the state still shows this lottery (a newer one may have replaced it)
            current = await self.current(room)
            return None if current is None or current.get("id") == lottery else SKIP
        return view

    # -- entering -------------------------------------------------------------------------------------
    async def _entry_rules(self, room: str, lottery: str) -> dict[str, str] | None:
        rules = self._rules.get((room, lottery))
        if rules is None:
            raw = await self.rt.redis.hmget(self._hash(room, lottery), ["condition", "keyword", "watch_s"])
            if raw[0] is None:
                return None
            rules = {"id": lottery, "condition": replies.text(raw[0]), "keyword": replies.text(raw[1] or b""),
                     "watch_s": replies.text(raw[2] or b"0")}
            if len(self._rules) > 10_000:
                self._rules.clear()
            self._rules[(room, lottery)] = rules
        return rules

    async def enter(self, room: str, user: str, lottery: str, watched_s: float) -> dict[str, Any] | Refusal:
        """Enter ``user`` if the lottery's condition holds; ``watched_s`` is the viewer's time in the room as
        measured by the server (the gateway)."""
        if not (_ID.match(lottery) and user and len(user) <= 128 and "\n" not in user):
            return refusal(ErrorCode.INVALID, about=Subject.LOTTERY)
        rules = await self._entry_rules(room, lottery)
        if rules is None:
            return await self._missing(room, lottery)
        condition = rules["condition"]
        if condition == "watch":
            eligible, why = watched_s >= int(rules["watch_s"]), f"watch the stream for {rules['watch_s']} seconds"
        elif condition == "follow":
            eligible, why = bool(await self.rt.redis.sismember(self.followers_key(room), user)), "follow the host"
        elif condition == "purchase":
            eligible, why = (bool(await self.rt.redis.sismember(self.buyers_key(room), user)),
                             "buy something in this live session")
        else:  # keyword: entered by commenting it (on_chat)
            eligible, why = False, f"comment \u201c{rules['keyword']}\u201d to enter"
        return await self._enter(room, user, lottery, eligible, why)

    async def _enter(self, room: str, user: str, lottery: str, eligible: bool,
                     why: str = "") -> dict[str, Any] | Refusal:
        res = await self.rt.scripts.call(
            "lottery_enter", keys=[self._hash(room, lottery), self._entries_key(room, lottery)],
            args=[user, self._now_ms(), "1" if eligible else "0"])
        outcome = replies.text(res[0])
        if outcome == "entered":
            self.state.mark(room, "lottery", lambda: self._state_value(room, lottery))
            return {"ok": True, "lottery": lottery, "entries": int(res[1])}
        if outcome == "already":
            return refusal(ErrorCode.ALREADY, about=Subject.LOTTERY)
        code = code_of(res[1])
        if code is ErrorCode.NOT_ELIGIBLE:
            return refusal(code, f"to enter, {why}")
        if code is ErrorCode.NOT_FOUND:
            return await self._missing(room, lottery)
        return refusal(code, about=Subject.LOTTERY)

    async def _missing(self, room: str, lottery: str) -> Refusal:
        """``not_found``, or ``unavailable`` for an open lottery Redis lost (until ``livecore restore``)."""
        lost = False
        if self.rt.db is not None:
            try:
                lost = bool(await self.rt.db.fetchval(
                    "SELECT true FROM lotteries WHERE id = $1 AND room_id = $2 AND status = 'open'", lottery, room))
            except Exception as exc:
                log.warning("lottery %s/%s: PostgreSQL check failed (%s)", room, lottery, exc)
        if not lost and self.rt.generation is not None:
            lost = await self.rt.generation.commerce_blocked()
        if lost:
            self._entered.pop(lottery, None)
            return refusal(ErrorCode.UNAVAILABLE, "this lottery is being restored; retry")
        return refusal(ErrorCode.NOT_FOUND, about=Subject.LOTTERY)

    async def _open_lottery(self, room: str) -> dict[str, str] | None:
        """The room's open lottery's rules, cached for ``_KEYWORD_CACHE_S`` (called on every comment)."""
        now = asyncio.get_running_loop().time()
        cached = self._open.get(room)
        if cached is not None and cached[0] > now:
            return cached[1]
        raw = await self.rt.redis.get(self._pointer(room))
        rules = await self._entry_rules(room, replies.text(raw)) if raw is not None else None
        if len(self._open) > 100_000:
            self._open.clear()
        self._open[room] = (now + _KEYWORD_CACHE_S, rules)
        return rules

    async def on_chat(self, room: str, user: str, text: str) -> None:
        """Enter ``user`` in the room's open keyword lottery when ``text`` contains its keyword. Never raises
        for a Redis hiccup: a comment is not worth failing over."""
        try:
            rules = await self._open_lottery(room)
            if rules is None or rules["condition"] != "keyword" or not rules["keyword"]:
                return
            if rules["keyword"].casefold() not in text.casefold():
                return
            lottery = rules["id"]
            seen = self._entered.setdefault(lottery, set())
            if user in seen:
                return
            result = await self._enter(room, user, lottery, True)
            if not isinstance(result, Refusal) or result.code is ErrorCode.ALREADY:
                if len(seen) >= _ENTERED_CACHE_MAX:
                    seen.clear()
                seen.add(user)
        except Exception:
            log.exception("keyword entry failed in room %s", room)

    async def on_follow(self, room: str, user: str) -> None:
        """Record that ``user`` follows the room's host (the ``follow`` condition)."""
        await self.rt.redis.sadd(self.followers_key(room), user)

    # -- drawing --------------------------------------------------------------------------------------
    async def draw(self, room: str, lottery: str, actor: str = "", early: bool = True,
                   reannounce: bool = False) -> dict[str, Any]:
        """Close entries, draw, persist, announce. ``early`` lets the host draw before ``ends_at``.

        Safe to call concurrently and to retry after a crash: the result is deterministic, PostgreSQL keeps
        the first one and exactly one caller announces it. A drawer that dies after recording the result but
        before announcing it leaves the lottery in the timer's set, due ``ANNOUNCE_LEASE_MS`` after the draw;
        the timer (``reannounce``) then announces it. Raises ``RefusedError`` (not_found, cancelled,
        not_ended).
        """
        if not _ID.match(lottery):
            raise RefusedError(ErrorCode.NOT_FOUND)
        now = self._now_ms()
        res = await self.rt.scripts.call("lottery_close", keys=[self._hash(room, lottery), self._pointer(room)],
                                         args=[lottery, now, "1" if early else "0"])
        outcome = replies.text(res[0])
        if outcome == "no":
            code = replies.text(res[1])
            raise RefusedError(code_of(code), f"lottery {lottery}: {code.replace('_', ' ')}")
        self._open.pop(room, None)
        self._entered.pop(lottery, None)
        member = f"{room}:{lottery}"
        if outcome == "drawn":
            if reannounce:  # its drawer stopped before finishing the announcement (told at most once anyway)
                await self._announce(room, lottery, member)
            view = await self.get(room, lottery)
            assert view is not None
            return view
        members = replies.members(await self.rt.redis.zrange(self._entries_key(room, lottery), 0, -1))
        entries = drawing.sorted_entries(replies.text(u) for u in members)
        winners, seed, digest = await self._persist_draw(room, lottery, entries, actor, now)
        # if this drawer dies from here on, the timer finishes the job once the lease is over
        await self.rt.redis.zadd(self._due_key(), {member: now + ANNOUNCE_LEASE_MS}, xx=True)
        announce = await self.rt.scripts.call(
            "lottery_finish", keys=[self._hash(room, lottery)],
            args=[msgspec.json.encode(winners), seed, len(entries), digest, now])
        if announce:
            await self._announce(room, lottery, member)
        view = await self.get(room, lottery)
        assert view is not None
        return view

    async def _announce(self, room: str, lottery: str, member: str) -> None:
        """Tell the room the result (the reliable ``drawn`` event exactly once, then the state), and stop the
        timer. Safe to repeat: a second call, or the timer after a crash anywhere in here, only finishes."""
        await self._tell(room, lottery)
        await self.state.publish_now(room, "lottery", lambda: self._state_value(room, lottery))
        await self.rt.redis.zrem(self._due_key(), member)

    async def _tell(self, room: str, lottery: str) -> bool:
        """The ``drawn`` event, published and marked ``announced`` in one script; False if it was told before."""
        view = await self.get(room, lottery)
        assert view is not None
        fields = ("prize", "winners_count", "seed_hash", "seed", "winners", "entries", "entries_digest", "names")
        data: dict[str, Any] = {k: view[k] for k in fields if k in view}
        event = LotteryEvent(ts=self._now_ms(), lottery=lottery, phase="drawn", data=data)
        told = await self.rt.bus.publish_reliable_once(room, event, self._hash(room, lottery), "announced")
        return told is not None

    async def _persist_draw(self, room: str, lottery: str, entries: list[str], actor: str,
                            now: int) -> tuple[list[str], str, str]:
        """Draw from PostgreSQL's seed and write entries, winners and the digest in one transaction; when the
        lottery was already drawn there, return that result instead."""
        assert self.rt.db is not None
        async with self.rt.db.acquire() as conn, conn.transaction():
            row = await conn.fetchrow("SELECT status, seed, winners_count, entries_digest FROM lotteries "
                                      "WHERE id = $1 FOR UPDATE", lottery)
            if row is None:
                raise RefusedError(ErrorCode.NOT_FOUND, f"lottery {lottery} has no database record")
            if row["status"] == "drawn":
                winners = [r["user_id"] for r in await conn.fetch(
                    "SELECT user_id FROM lottery_winners WHERE lottery_id = $1 ORDER BY rank", lottery)]
                return winners, row["seed"], row["entries_digest"]
            seed = row["seed"]
            winners = drawing.draw(seed, entries, row["winners_count"])
            digest = drawing.entries_digest(entries)
            await conn.copy_records_to_table("lottery_entries", records=[(lottery, u) for u in entries],
                                             columns=["lottery_id", "user_id"])
            await conn.executemany("INSERT INTO lottery_winners (lottery_id, rank, user_id) VALUES ($1, $2, $3)",
                                   [(lottery, i + 1, u) for i, u in enumerate(winners)])
            await conn.execute(
                """UPDATE lotteries SET status = 'drawn', entries_count = $2, entries_digest = $3, drawn_at = $4
                   WHERE id = $1""", lottery, len(entries), digest, _ts(now))
            await audit(conn, room, actor or "timer", "lottery.draw",
                         {"lottery": lottery, "entries": len(entries), "winners": winners})
            return winners, seed, digest

    async def draw_due(self) -> list[str]:
        """Draw every open lottery whose ``ends_at`` has passed (the timer); returns the ids drawn."""
        due = replies.members(await self.rt.redis.zrangebyscore(self._due_key(), "-inf", self._now_ms()))
        drawn = []
        for member in due:
            room, _, lottery = replies.text(member).rpartition(":")
            try:
                await self.draw(room, lottery, early=False, reannounce=True)
                drawn.append(lottery)
                self.drawn_by_timer += 1
            except RefusedError as exc:
                if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.CANCELLED):
                    await self.rt.redis.zrem(self._due_key(), replies.text(member))
                elif exc.code is not ErrorCode.NOT_ENDED:
                    raise
        return drawn

    async def run_timer(self, stop: asyncio.Event, interval_s: float = 1.0) -> None:
        """Draw lotteries as they end, until ``stop`` is set (run by a worker or the API process)."""
        while not stop.is_set():
            try:
                await self.draw_due()
            except Exception:
                log.exception("lottery timer")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)

    # -- verification ---------------------------------------------------------------------------------
    async def public_record(self, lottery: str) -> dict[str, Any] | None:
        """Everything needed to recompute a drawn lottery, from PostgreSQL (the seed only once drawn)."""
        assert self.rt.db is not None
        if not _ID.match(lottery):
            return None
        row = await self.rt.db.fetchrow("SELECT * FROM lotteries WHERE id = $1", lottery)
        if row is None:
            return None
        record: dict[str, Any] = {
            "id": row["id"], "room": row["room_id"], "prize": row["prize"], "winners_count": row["winners_count"],
            "condition": row["condition"], "keyword": row["keyword"], "watch_s": row["watch_s"],
            "opened_at": ms(row["opened_at"].timestamp()), "ends_at": ms(row["ends_at"].timestamp()),
            "seed_hash": row["seed_hash"], "status": row["status"],
        }
        if row["status"] == "drawn":
            record["seed"] = row["seed"]
            record["entries_count"] = row["entries_count"]
            record["entries_digest"] = row["entries_digest"]
            record["entries"] = [r["user_id"] for r in await self.rt.db.fetch(
                "SELECT user_id FROM lottery_entries WHERE lottery_id = $1", lottery)]
            record["winners"] = [r["user_id"] for r in await self.rt.db.fetch(
                "SELECT user_id FROM lottery_winners WHERE lottery_id = $1 ORDER BY rank", lottery)]
        return record

    async def announcements(self, room: str, lottery: str) -> dict[str, dict[str, Any]]:
        """The opened/drawn events of the lottery still in the room's event stream (phase -> data)."""
        found: dict[str, dict[str, Any]] = {}
        for _, fields in replies.entries(await self.rt.redis.xrange(self.k.room_events(room))):
            try:
                event = event_decoder.decode(fields[b"e"])
            except (msgspec.DecodeError, KeyError):
                continue
            if isinstance(event, LotteryEvent) and event.lottery == lottery:
                found[event.phase] = event.data
        return found

    async def verify(self, lottery: str) -> dict[str, Any]:
        """Recompute the winners from the published record; ``ok`` is False on any disagreement."""
        record = await self.public_record(lottery)
        if record is None:
            return {"ok": False, "lottery": lottery, "problems": ["no such lottery"]}
        if record["status"] != "drawn":
            return {"ok": False, "lottery": lottery, "status": record["status"],
                    "problems": [f"the lottery is {record['status']}, not drawn"]}
        verdict = drawing.verify(drawing.DrawRecord(
            seed_hash=record["seed_hash"], seed=record["seed"], winners_count=record["winners_count"],
            entries=record["entries"], winners=record["winners"], entries_digest=record["entries_digest"]))
        problems = list(verdict.problems)
        if record["entries_count"] != len(record["entries"]):
            problems.append("the number of entries differs from the count recorded at the draw")
        told = await self.announcements(record["room"], lottery)
        opened, drawn = told.get("opened"), told.get("drawn")
        if opened is not None and opened.get("seed_hash") != record["seed_hash"]:
            problems.append("the seed hash differs from the one announced to the room at opening")
        if drawn is not None:
            for name in ("seed", "winners", "entries_digest"):
                if drawn.get(name) != record[name]:
                    problems.append(f"the recorded {name.replace('_', ' ')} differs from the one announced")
            if drawn.get("entries") != len(record["entries"]):
                problems.append("the number of entries differs from the one announced")
        return {
            "ok": not problems, "lottery": lottery, "room": record["room"], "seed_hash": record["seed_hash"],
            "seed": record["seed"], "entries": len(record["entries"]), "entries_digest": verdict.digest,
            "winners": record["winners"], "recomputed": verdict.recomputed,
            "announcements_checked": sorted(told), "problems": problems,
        }

    async def close(self) -> None:
        await self.state.drain()
        await self.state.close()


def _problems(room: str, spec: LotteryIn, now: int, ends: int) -> list[str]:
    out: list[str] = []
    if not valid_room_id(room):
        out.append("invalid room id")
    if not spec.prize.strip() or len(spec.prize) > 200:
        out.append("prize must be 1..200 characters")
    if not 1 <= spec.winners <= 10_000:
        out.append("winners must be between 1 and 10000")
    if spec.condition not in CONDITIONS:
        out.append(f"condition must be one of {', '.join(CONDITIONS)}")
    if spec.condition == "keyword" and not 1 <= len(spec.keyword.strip()) <= 50:
        out.append("a keyword lottery needs a keyword of 1..50 characters")
    if spec.condition == "watch" and spec.watch_s <= 0:
        out.append("a watch lottery needs watch_s > 0")
    if ends <= now:
        out.append("give an ends_at in the future or a positive duration_s")
    elif ends - now > 7 * 86400 * 1000:
        out.append("a lottery may run for at most 7 days")
    return out


class LotteryTimer:
    """The ``lotteries`` worker: draws every lottery when its entry window ends."""

    def __init__(self, rt: Runtime, interval_s: float = 1.0) -> None:
        self.service = LotteryService(rt)
        self.interval_s = interval_s

    def figures(self) -> dict[str, int]:
        return {"drawn": self.service.drawn_by_timer}

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self.service.run_timer(stop, self.interval_s)
        finally:
            await self.service.close()


def lottery_timer(rt: Runtime, consumer: str) -> LotteryTimer:
    return LotteryTimer(rt)
