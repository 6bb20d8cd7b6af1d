"""One viewer's connection: reading its frames, answering them, and its place in a room.

Everything written to the viewer outside the room's fan-out (``joined``, ``result``, ``error``, ``pong``) is
written synchronously to the link's transport, so its order relative to room frames is the order of the code,
and no per-message task exists. The WebSocket server under it is behind ``link.Link``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import msgspec

from ..auth import Identity
from ..broker.wire import Lane
from ..core import modrules
from ..core.conncaps import client_address
from ..core.guard import WindowCounter
from ..core.outcome import Refusal
from ..core.session import session_from
from ..features.base import Answer, Ask
from ..idem import idem_id
from ..interactions.model import Interaction, Kind
from ..protocol import client as c
from ..protocol.codec import encode
from ..protocol.codes import CloseCode, ErrorCode
from ..protocol.events import ChatEvent, FollowEvent, GiftEvent, ShareEvent
from ..protocol.server import Error, Joined, Pong, Result, Resync
from . import rules
from .fanout import wire_text
from .link import Link
from .node import GatewayNode

if TYPE_CHECKING:
    from .hub import Room

log = logging.getLogger(__name__)

_generic = msgspec.json.Decoder()


class Connection:
    """Also the ``Viewer`` of the fan-out: ``link``, ``transport`` and ``over_since`` are read there."""

    __slots__ = ("gw", "link", "identity", "transport", "over_since", "room", "base_room", "hub_room",
                 "joined_at", "refusals", "malformed", "closing", "last_seen", "address", "join_failed", "opened")

    def __init__(self, gateway: GatewayNode, link: Link, identity: Identity) -> None:
        self.gw = gateway
        self.link = link
        self.identity = identity
        self.transport = link.transport
        self.over_since: float | None = None
        self.room: str | None = None
        self.base_room: str | None = None  # "42" for both "42" and "host:42"
        self.hub_room: Room | None = None
        self.joined_at = 0.0
        self.opened = gateway.clock.monotonic()
        self.join_failed = False  # the last join failed for want of Redis: room actions answer "unavailable"
        settings = gateway.settings
        self.refusals = WindowCounter(settings.flood_refusals, settings.flood_window_s)
        self.malformed = WindowCounter(settings.malformed_limit, settings.flood_window_s)
        self.closing = False
        self.last_seen = gateway.clock.monotonic()
        self.address = client_address(link.remote_address, link.handshake.headers,
                                      settings.client_address_header)

    # -- writing -------------------------------------------------------------------------------------
    def write(self, payload: bytes) -> None:
        self.write_wire(wire_text(payload))

    def write_wire(self, wire: bytes) -> None:
        """A complete text frame (``wire_text``) to this viewer, straight to the transport as ``fan_out`` does;
        nothing is written once the closing handshake has begun."""
        if self.link.open:
            self.transport.write(wire)
            self.gw.stats.direct += 1

    def reply(self, message: msgspec.Struct) -> None:
        self.write(encode(message))

    def refuse(self, code: ErrorCode, message: str = "", rid: str | None = None,
               retry_after: float | None = None) -> None:
        self.reply(Error(code=code.value, message=message, rid=rid, retry_after=retry_after))
        stats = self.gw.stats
        stats.refused[code.value] = stats.refused.get(code.value, 0) + 1
        close = rules.flood_close(code, self.malformed, self.refusals, self.gw.clock.monotonic())
        if close is not None:
            self.close_soon(close.code, close.reason)

    def close_soon(self, code: int, reason: str) -> None:
        if self.closing:
            return
        self.closing = True
        self.gw.count_close(code)
        self.link.close(code, reason)

    # -- reading -------------------------------------------------------------------------------------
    def admit(self) -> bool:
        """Take a place under the connection caps, or close (4507); ``release`` gives it back."""
        over = self.gw.caps.admit(self.identity.user, self.address)
        if over is None:
            return True
        self.closing = True
        self.gw.count_close(CloseCode.TOO_MANY_CONNECTIONS)
        self.link.close(CloseCode.TOO_MANY_CONNECTIONS, f"too many connections for this {over}")
        return False

    def release(self) -> None:
        self.gw.caps.release(self.identity.user, self.address)

    async def receive(self, message: str | bytes) -> None:
        """One whole message from the viewer (text as str, binary as bytes); the transport awaits each in turn.

        What to do with it is ``rules.gate``'s decision; this executes it."""
        clock = self.gw.clock
        self.last_seen = clock.monotonic()  # the gateway's sweeper closes idle connections (4002)
        self.gw.stats.messages_in += 1
        try:
            decision = rules.gate(message, clock.now(), exp=self.identity.exp, joined=self.room is not None,
                                  join_failed=self.join_failed)
            if isinstance(decision, rules.Dispatch):
                msg = decision.msg
                pending = _DISPATCH[type(msg)](self, msg)
                if pending is not None:
                    await pending
            elif isinstance(decision, rules.Refuse):
                self.refuse(decision.code, decision.message, decision.rid)
            else:
                self.close_soon(decision.code, decision.reason)
        except Exception:
            log.exception("gateway: handling a %d-character frame failed", len(message))
            self.refuse(ErrorCode.INTERNAL, "internal error")

    def on_ping(self, msg: c.Ping) -> None:
        self.reply(Pong(t=msg.t, server_ts=int(self.gw.clock.now() * 1000)))

    def on_leave(self, msg: c.Leave) -> None:
        self.join_failed = False
        self.leave()
        if msg.rid:
            self.reply(Result(rid=msg.rid))

    def on_click_cart(self, msg: c.Click | c.Cart) -> None:
        self.interaction(Kind.CLICK if isinstance(msg, c.Click) else Kind.CART, product=msg.product)

    # -- rooms ---------------------------------------------------------------------------------------
    async def on_join(self, msg: c.Join) -> None:
        who = self.identity
        target = rules.join_target(who, msg)
        if isinstance(target, rules.Refuse):
            self.refuse(target.code, target.message, target.rid)
            return
        if isinstance(target, rules.Close):
            self.close_soon(target.code, target.reason)
            return
        room, base, is_host = target.room, target.base, target.is_host
        gw = self.gw
        try:
            exists = await gw.rooms.exists(base)
        except Exception as exc:
            log.warning("join %s: room lookup failed: %s", room, exc)
            self.join_failed = True
            self.refuse(ErrorCode.UNAVAILABLE, "room unavailable, retry", msg.rid)
            return
        if not exists:  # rooms are created through the API; a mistyped id is not a room
            self.refuse(ErrorCode.NOT_FOUND, "no such room", msg.rid)
            return
        if self.room is not None:
            self.leave()
        bus = gw.bus
        try:
            hub_room = await gw.hub.join(self, room)
        except Exception as exc:
            log.warning("join %s failed: %s", room, exc)
            self.join_failed = True
            self.refuse(ErrorCode.UNAVAILABLE, "room unavailable, retry", msg.rid)
            return
        try:
            state = await bus.state(room)
            snapshot_offset = await bus.last_offset(room)
            replay = await bus.replay(room, msg.last_offset) if msg.last_offset else None
        except Exception as exc:
            gw.hub.leave(self, room)
            log.warning("join %s: snapshot failed: %s", room, exc)
            self.join_failed = True
            self.refuse(ErrorCode.UNAVAILABLE, "room unavailable, retry", msg.rid)
            return
        if not self.link.open:
            gw.hub.leave(self, room)
            return
        # No await from here on: joined (and resync) now, the catch-up frame at the room's next tick.
        replayed = replay.events if replay is not None and not replay.resync else []
        gw.hub.activate(self, hub_room, replayed, snapshot_offset)
        if room == base:  # state updates keep it current; a join's snapshot heals one missed while the bus was down
            hub_room.session = session_from(state.get("session"))
            hub_room.live = state.get("live") is True if "live" in state else None
        self.room, self.base_room, self.hub_room = room, base, hub_room
        self.join_failed = False
        self.joined_at = gw.clock.monotonic()
        self.reply(Joined(room=room, user=who.user, role=who.role.value, state=state, offset=snapshot_offset,
                          replayed=len(replayed), rid=msg.rid))
        if replay is not None and replay.resync:
            self.reply(Resync(room=room, state=state, offset=snapshot_offset))
            gw.stats.resyncs += 1
        gw.stats.replayed += len(replayed)
        if not is_host:
            gw.presence.joined(room, who.user)
            self.interaction(Kind.ENTER)
            if who.name and who.name != who.user:  # lists of people show this name (livecore.people)
                gw.background.submit(gw.people.remember, who.user, who.name)

    def leave(self) -> None:
        room = self.room
        if room is None:
            return
        self.gw.hub.leave(self, room)
        if room == self.base_room:
            self.gw.presence.left(room)
            self.interaction(Kind.LEAVE)
        self.room = self.base_room = self.hub_room = None

    # -- viewer actions ------------------------------------------------------------------------------
    async def on_chat(self, msg: c.Chat) -> None:
        gw, who, room = self.gw, self.identity, self.hub_room
        assert room is not None and self.base_room is not None
        refused = rules.chat_refusal(self.room, self.base_room, msg.rid)
        if refused is not None:
            self.refuse(refused.code, refused.message, refused.rid)
            return
        privileged = who.may_control(self.base_room)
        verdict = gw.chat.check(who.user, msg.text, gw.clock.monotonic(), room_words=room.words,
                                muted=room.is_muted(who.user, gw.clock.now()), privileged=privileged)
        if isinstance(verdict, Refusal):
            self.refuse(verdict.code, verdict.message, msg.rid, verdict.retry_after)
            return
        if gw.features is not None and gw.features.interceptors and self.room == self.base_room:
            taken = gw.features.intercept_chat(self.ask(), verdict.text)
            if taken is not None:  # a feature takes this chat (a red packet's phrase): no barrage line
                await self._answer_taken(taken, msg.rid)
                return
        mid = gw.next_id()
        event = ChatEvent(ts=int(gw.clock.now() * 1000), id=mid, user=who.user, name=who.name, text=verdict.text,
                          role=who.role.value)
        published = gw.publisher.publish(self.base_room, encode(event),
                                         Lane.PRIORITY if privileged else Lane.BARRAGE)
        # Not awaited: the next frame of this connection is read while Redis takes this one, so one busy
        # sender's intake is not capped at one chat per Redis round trip. The answer still waits for Redis.
        published.add_done_callback(functools.partial(self._chat_published, self.base_room, mid, verdict.text,
                                                      msg.rid))

    def _chat_published(self, room: str, mid: str, text: str, rid: str | None, published: asyncio.Future[None]) -> None:
        gw = self.gw
        if published.cancelled() or published.exception() is not None:
            log.warning("chat publish failed: %r", None if published.cancelled() else published.exception())
            self.refuse(ErrorCode.INTERNAL, "internal error", rid)
            return
        gw.stats.chats += 1
        if self.base_room == room:
            self.interaction(Kind.CHAT, text=text)
        if gw.features is not None:
            for part in gw.features.chat_watchers:
                gw.background.submit(part.on_chat, room, self.identity.user, text)
        if rid:
            self.reply(Result(rid=rid, data={"id": mid}))

    async def _answer_taken(self, taken: Awaitable[Answer], rid: str | None) -> None:
        try:
            answer = await taken
        except Exception as exc:
            log.warning("a chat taken by a feature failed: %s", exc)
            self.refuse(ErrorCode.UNAVAILABLE, "try again", rid)
            return
        self.answer(answer, rid)

    def on_like(self, msg: c.Like) -> None:
        if not rules.likes_counted_here(self.room, self.base_room):
            return
        assert self.base_room is not None
        # aggregated: likes over the user's rate are dropped without an answer (a tap burst is not an error)
        counted = self.gw.actions.likes_counted(self.identity.user, msg.count, self.gw.clock.monotonic())
        if counted:
            self.gw.likes.add(self.base_room, counted)
            self.interaction(Kind.LIKE, count=counted)

    async def on_share_follow(self, msg: c.Share | c.Follow) -> None:
        gw, who, room = self.gw, self.identity, self.base_room
        assert room is not None
        limits = gw.actions
        wait = (limits.share if isinstance(msg, c.Share) else limits.follow)(who.user, gw.clock.monotonic())
        if wait:
            self.refuse(ErrorCode.RATE_LIMITED, "too many shares or follows", None, round(wait, 3))
            return
        ts = int(gw.clock.now() * 1000)
        if isinstance(msg, c.Share):
            await gw.bus.publish(room, ShareEvent(ts=ts, user=who.user, name=who.name), Lane.LOSSY)
            self.interaction(Kind.SHARE)
        else:
            await gw.bus.publish(room, FollowEvent(ts=ts, user=who.user, name=who.name), Lane.LOSSY)
            self.interaction(Kind.FOLLOW)
            if gw.features is not None:
                for part in gw.features.follow_watchers:
                    gw.background.submit(part.on_follow, room, who.user)

    async def on_gift(self, msg: c.Gift) -> None:
        gw, who, room = self.gw, self.identity, self.base_room
        assert room is not None
        value = gw.gifts.value(msg.gift, msg.count)
        if value is None:
            self.refuse(ErrorCode.NOT_FOUND, f"no gift {msg.gift!r}", msg.rid)
            return
        now = gw.clock.monotonic()
        wait = gw.actions.gift(who.user, now)
        if wait:
            self.refuse(ErrorCode.RATE_LIMITED, "too many gifts", msg.rid, round(wait, 3))
            return
        redis = gw.runtime.redis
        idem = gw.keys.room(room, "gift", idem_id(who.user, msg.key)) if msg.key else None
        if idem is not None and not await redis.set(idem, "", nx=True, ex=gw.settings.room_events_ttl_s):
            first = await redis.get(idem)
            self.reply(Result(rid=msg.rid, data={"duplicate": True, **(_loads(first) if first else {})}))
            return
        gid = gw.next_id()
        event = GiftEvent(ts=int(gw.clock.now() * 1000), id=gid, user=who.user, name=who.name, gift=msg.gift,
                          count=msg.count, value=value)
        try:
            if gw.actions.gift_reliable(who.user, now):
                offset: str | None = await gw.bus.publish_reliable(room, event)
            else:  # over this user's share of the replay stream: shown live, not stored
                offset = None
                await gw.bus.publish(room, event, Lane.PRIORITY)
        except Exception:
            if idem is not None:
                await redis.delete(idem)
            raise
        answer = {"id": gid, "offset": offset, "value": value}
        if idem is not None:
            await redis.set(idem, encode(answer), xx=True, keepttl=True)
        gw.stats.gifts += 1
        self.interaction(Kind.GIFT, count=msg.count, value=value, product=msg.gift)
        if msg.rid:
            self.reply(Result(rid=msg.rid, data=answer))

    def ask(self) -> Ask:
        """Who is asking, for a feature's part: the joined room, the user, and the time watched."""
        gw, who = self.gw, self.identity
        assert self.base_room is not None
        return Ask(room=self.base_room, user=who.user, name=who.name, role=who.role.value,
                   watched_s=gw.clock.monotonic() - self.joined_at, now=gw.clock.now())

    async def on_feature(self, msg: Any) -> None:
        """A feature's message (``buy``, ``claim``, ``enter``...) answered by that feature's part."""
        rid = getattr(msg, "rid", None)
        features = self.gw.features
        part = None if features is None else features.part_for(type(msg))
        if part is None:
            self.refuse(ErrorCode.UNAVAILABLE, f"{msg.__struct_config__.tag} is not available on this gateway", rid)
            return
        try:
            answer = await part.handle(self.ask(), msg)
        except Exception as exc:
            log.warning("%s failed: %s", type(msg).__name__, exc)
            self.refuse(ErrorCode.UNAVAILABLE, "try again with the same key", rid)
            return
        assert answer is not None
        self.answer(answer, rid)

    def answer(self, answer: Answer, rid: str | None) -> None:
        if not isinstance(answer, Refusal):
            self.reply(Result(rid=rid, data=answer))
            return
        # business refusals (sold out, limit...) are answers, not misbehaviour: not counted as a flood
        if rid is None:  # in a sale storm nearly every answer is one of a few refusals: encoded once each
            self.write_wire(_refusal(answer))
        else:
            self.reply(Error(code=answer.code.value, message=answer.message, rid=rid))

    async def on_moderation(self, msg: c.Mute | c.Unmute | c.Delete | c.Pin) -> None:
        gw, who, room = self.gw, self.identity, self.base_room
        assert room is not None
        refused = rules.moderation_refusal(who, room, msg)
        if refused is not None:
            self.refuse(refused.code, refused.message, refused.rid)
            return
        store = gw.moderation
        match msg:
            case c.Mute():
                until = await store.mute(room, msg.user, msg.seconds, by=who.user)
                data: dict[str, Any] = {"user": msg.user, "until": until}
            case c.Unmute():
                data = {"user": msg.user, "was_muted": await store.unmute(room, msg.user, by=who.user)}
            case c.Delete():
                data = {"msg": msg.msg, "offset": await store.delete_message(room, msg.msg, by=who.user)}
            case c.Pin():
                if msg.msg is None and msg.text is None:
                    await store.unpin(room)
                    data = {"pinned": None}
                else:
                    data = {"pinned": await store.pin(room, msg.msg, modrules.pin_text(msg.text), by=who.user)}
        self.reply(Result(rid=msg.rid, data=data))

    # -- interactions --------------------------------------------------------------------------------
    def interaction(self, kind: Kind, *, count: int = 1, value: int = 0, product: str = "", text: str = "") -> None:
        log_ = self.gw.interactions
        if log_ is None or self.base_room is None:
            return
        session = self.hub_room.stamp if self.hub_room is not None and self.room == self.base_room else ""
        log_.emit(Interaction(id=self.gw.next_id(), kind=kind.value, room=self.base_room, user=self.identity.user,
                              ts=int(self.gw.clock.now() * 1000), count=count, value=value, product=product,
                              text=text, session=session))


@functools.lru_cache(maxsize=256)
def _refusal(refused: Refusal) -> bytes:
    """The complete frame of a refusal without ``rid`` (a pure function of it, memoised)."""
    return wire_text(encode(Error(code=refused.code.value, message=refused.message)))


def _loads(raw: bytes | str) -> dict[str, Any]:
    try:
        out = _generic.decode(raw)
    except msgspec.DecodeError:
        return {}
    return out if isinstance(out, dict) else {}


_DISPATCH: dict[type[Any], Callable[[Connection, Any], Awaitable[None] | None]] = {
    kind: getattr(Connection, name) for kind, name in rules.handler_names().items()
}
"""The handler of each client message class, looked up once per frame (``rules.handler_names`` names them)."""
