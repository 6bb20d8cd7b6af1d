import type { Joined, Resync, RoomEvent, RoomState, ServerMessage } from "./protocol.js";

/** Offsets are Redis stream ids `<ms>-<seq>`, ordered by both numbers (never as text). */
export function compareOffsets(a: string, b: string): number {
  const [am = "0", as = "0"] = a.split("-");
  const [bm = "0", bs = "0"] = b.split("-");
  const d = Number(am) - Number(bm);
  return d !== 0 ? Math.sign(d) : Math.sign(Number(as) - Number(bs));
}

/** Whether offset `a` comes after `b` (anything comes after no offset). */
export function after(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a == null) return false;
  return b == null || compareOffsets(a, b) > 0;
}

export interface RoomSnapshot {
  room: string | null;
  state: RoomState;
  offset: string | null;
  events: RoomEvent[];
}

/**
 * What a viewer knows of a room, built from the server messages exactly as docs/protocol.md says (the Python
 * SDK's `livecore.client.RoomModel` follows the same rules; both run test/room-vectors.json):
 *
 * - `joined`: the snapshot replaces the state. A fresh join takes the snapshot's offset; a resumed one keeps the
 *   offset it resumes from, since the replayed events (after it) follow.
 * - `resync`: the snapshot replaces the state and the offset.
 * - `frame`: events in order; a reliable event (one with an `offset`) at or before the model's offset was already
 *   seen and is dropped, so a replay never delivers twice. A `moderation` `delete` removes the chat it names.
 *   Then the `state` changes (latest value wins, `null` removes the key), then the frame's `offset`.
 * - `events` keeps the newest `maxEvents` events delivered.
 */
export class RoomModel {
  room: string | null = null;
  /** The room state, one type per key (`RoomState`, generated from livecore.protocol.state). */
  state: RoomState = {};
  offset: string | null = null;
  events: RoomEvent[] = [];
  resyncs = 0;

  constructor(readonly maxEvents = 200) {}

  /** A different room: forget everything. */
  reset(room: string | null = null): void {
    this.room = room;
    this.state = {};
    this.offset = null;
    this.events = [];
  }

  /** Apply one server message; the room events it delivers (new ones only, in order). */
  apply(msg: ServerMessage): RoomEvent[] {
    switch (msg.type) {
      case "joined":
        this.applyJoined(msg);
        return [];
      case "resync":
        this.applyResync(msg);
        return [];
      case "frame":
        return this.applyFrame(msg.events ?? [], msg.state ?? {}, msg.offset ?? null);
      default:
        return [];
    }
  }

  private applyJoined(msg: Joined): void {
    if (msg.room !== this.room) this.reset(msg.room);
    this.state = { ...msg.state } as RoomState;
    if (this.offset == null) this.offset = msg.offset ?? null;
  }

  private applyResync(msg: Resync): void {
    this.state = { ...msg.state } as RoomState;
    this.offset = msg.offset ?? null;
    this.resyncs += 1;
  }

  applyFrame(events: RoomEvent[], state: Record<string, unknown>, offset: string | null): RoomEvent[] {
    const delivered: RoomEvent[] = [];
    for (const event of events) {
      const eo = event.offset;
      if (eo != null) {
        if (!after(eo, this.offset)) continue; // already seen
        this.offset = eo;
      }
      if (event.type === "moderation" && (event.action ?? "delete") === "delete" && event.msg) {
        const gone = event.msg;
        this.events = this.events.filter((e) => !(e.type === "chat" && e.id === gone));
      }
      this.events.push(event);
      if (this.events.length > this.maxEvents) this.events.shift();
      delivered.push(event);
    }
    const current = this.state as Record<string, unknown>;
    for (const [key, value] of Object.entries(state)) {
      if (value === null) delete current[key];
      else current[key] = value;
    }
    if (after(offset, this.offset)) this.offset = offset;
    return delivered;
  }

  /** A plain-data copy (equal to the Python model's `snapshot()` after the same messages). */
  snapshot(): RoomSnapshot {
    return structuredClone({ room: this.room, state: this.state, offset: this.offset, events: this.events });
  }
}
