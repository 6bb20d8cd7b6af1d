// The pages' connection to one room, through the SDK (@livecore/client, clients/ts): its browser bundle, served
// at /assets/js/sdk/livecore-client.js, opens the WebSocket, joins, keeps the room model, pings and drops a
// connection whose pongs stop, handles the browser's offline/online events, reconnects with backoff and resumes
// from the last offset, and stops on the close codes that mean so (4502 first asks for a new token).
//
// This module only adapts the client to what the pages render: callbacks for a snapshot, a frame (its new
// events, with the defaults the wire omits put back), the connection status (the words of the #conn badge) and
// errors; requests that resolve with the result's data or reject with {code, message}.
import { JoinError, LiveClient } from "./sdk/livecore-client.js";

const CLOSE_REASONS = {
  4501: "unauthorized", 4502: "token_expired", 4503: "room_forbidden", 4504: "flood", 4505: "kicked",
  4506: "protocol_violation", 4507: "too_many_connections", 1003: "unsupported_data", 1008: "policy", 1009: "message_too_big",
};

// Events are encoded with their defaults left out (msgspec omit_defaults): put them back so pages can read
// ``e.action`` or ``e.count`` without knowing which values the wire omits.
const EVENT_DEFAULTS = {
  chat: { role: "viewer", text: "" },
  gift: { count: 1, value: 0 },
  live: { phase: "started" },
  sale: { phase: "started", data: {} },
  coupon: { phase: "issued", data: {} },
  lottery: { phase: "opened", data: {} },
  order: { qty: 1 },
  moderation: { action: "delete", msg: "", user: "", text: "" },
  system: { kind: "notice", text: "" },
  product: { product: null },
};

export function withDefaults(e) {
  const d = EVENT_DEFAULTS[e && e.type];
  return d ? { ...d, ...e } : e;
}

// actions carrying an idempotency key (and lottery entries): the client sends them again, unchanged, while the
// answer is ``unavailable`` (a reconnect), so a retry never buys twice
const ACTIONS = new Set(["buy", "claim", "gift", "enter", "grab"]);

export class RoomSocket {
  /**
   * @param {object} o  url, token, room, heartbeatMs, renewToken() (a new token, or null: "sign in again"),
   *   and handlers: onSnapshot(state, {resync, resumed}), onFrame(events, change), onStatus(status, detail),
   *   onError(err)
   */
  constructor(o) {
    Object.assign(this, { onSnapshot() {}, onFrame() {}, onStatus() {}, onError() {} }, o);
    const heartbeatMs = o.heartbeatMs || 20000;
    const pongTimeoutMs = Math.min(10000, heartbeatMs);
    this.client = new LiveClient({
      url: o.url, token: o.token, heartbeatMs, pongTimeoutMs, connectTimeoutMs: heartbeatMs + pongTimeoutMs,
      refreshToken: o.renewToken ? () => this._renew() : undefined,
    });
    this.everJoined = false;
    this.batch = [];
    const c = this.client;
    c.on("joined", () => {
      const resumed = this.everJoined;
      this.everJoined = true;
      this.onSnapshot(c.state, { resync: false, resumed });
      this.onStatus("connected");
    });
    c.on("resync", () => this.onSnapshot(c.state, { resync: true, resumed: true }));
    c.on("event", (e) => this.batch.push(withDefaults(e)));
    c.on("frame", (f) => {
      const events = this.batch;
      this.batch = [];
      this.onFrame(events, f.state || {});
    });
    c.on("error", (err) => this.onError({ code: err.code, message: err.message }));
    c.on("close", ({ code, reason, reconnect }) => {
      if (!reconnect) return; // "refused" follows, or the page closed it
      if (code === 4502) this.onStatus("renewing");
      else if (reason === "offline" || navigator.onLine === false) this.onStatus("offline");
      else this.onStatus("reconnecting");
    });
    c.on("reconnecting", ({ delayMs }) => this.onStatus("reconnecting", { in: delayMs }));
    c.on("refused", ({ code }) => this.onStatus("refused", { code, reason: CLOSE_REASONS[code] || "closed" }));
  }

  /** the room's latest-value-wins state (the SDK's room model) */
  get state() { return this.client.state; }
  get offset() { return this.client.offset; }

  connect() {
    this.onStatus("connecting");
    this.client.connect().then(() => this._join()).catch(() => { /* "refused" says why */ });
  }

  _join() {
    return this.client.join(this.room).catch((err) => {
      if (!(err instanceof JoinError) || err.code === "closed") return;
      // lost before the answer: the client joins again by itself once reconnected; a gateway answering
      // ``unavailable`` on a live connection is asked again
      if (err.code === "unavailable") {
        if (this.client.status === "open") setTimeout(() => { if (this.client.status === "open") this._join(); }, 1000);
        return;
      }
      this.onError({ code: err.code, message: err.message });
    });
  }

  async _renew() {
    const token = await this.renewToken();
    if (!token) throw new Error("no token");
    this.token = token;
    return token;
  }

  close() {
    this.client.close();
  }

  /** Drop the connection as a network failure would (used by the page's own tests). */
  drop() {
    this.client.drop("drop");
  }

  send(msg) {
    return this.client.send(msg);
  }

  /** Send a request (a rid is added); resolves with the result's data, rejects with {code, message}. */
  async request(msg, timeoutMs = 10000) {
    const answer = ACTIONS.has(msg.type) ? await this.client.action(msg) : await this.client.request(msg, timeoutMs);
    if (answer.type === "result") return answer.data || {};
    // a request the gateway never answered in time may still have been done (a chat line, say)
    const message = answer.code === "unavailable" && answer.message === "timed out" ? "no answer" : answer.message;
    throw { code: answer.code, message, retry_after: answer.retry_after };
  }
}
