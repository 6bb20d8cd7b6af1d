// One WebSocket to a gateway for one room: join with the room snapshot, merged frames, resume after a drop.
//
// The state map is latest-value-wins (a null value removes a key). Reliable events carry an offset; after a
// drop the socket reconnects with jittered exponential backoff and joins with ``last_offset`` so the gateway
// replays what was missed, or answers ``resync`` with a fresh snapshot. Close codes 4500-4999 mean "do not
// reconnect as is" (bad token, room forbidden, kicked): the page is told why and the socket stays closed;
// 4502 (token expired) asks ``renewToken()`` for a new token when the page gives one, then reconnects.
//
// A connection can die silently (a proxy or a mobile network that stops forwarding without closing): the
// socket pings every ``heartbeatMs`` and, when nothing at all arrives within ``pongTimeoutMs`` of a ping,
// abandons the connection and reconnects with resume. The browser's ``offline`` event does the same at once,
// and ``online`` retries without waiting for the backoff.

export function shouldReconnect(code) {
  if ([1001, 1006, 1011, 1012, 1013].includes(code)) return true;
  return code >= 4000 && code < 4500;
}

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

export class RoomSocket {
  /**
   * @param {object} o  url, token, room, and handlers:
   *   onSnapshot(state, {resync}), onFrame(events, change), onStatus(status, detail), onError(err)
   */
  constructor(o) {
    Object.assign(this, { onSnapshot() {}, onFrame() {}, onStatus() {}, onError() {} }, o);
    this.state = {};
    this.offset = null;
    this.ws = null;
    this.attempt = 0;
    this.closed = false;
    this.pending = new Map();
    this.seq = 0;
    this.pingTimer = null;
    this.joined = false;
    this.reconnects = 0;
    this.heartbeatMs = this.heartbeatMs || 20000;
    this.pongTimeoutMs = this.pongTimeoutMs || Math.min(10000, this.heartbeatMs);
    this.connectTimeoutMs = this.connectTimeoutMs || this.heartbeatMs + this.pongTimeoutMs;
    this.lastHeard = 0;
    this.retryTimer = null;
    if (typeof window !== "undefined") {
      window.addEventListener("offline", () => this._abandon("offline"));
      window.addEventListener("online", () => this._retryNow());
    }
  }

  connect() {
    this.closed = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.onStatus(this.attempt ? "reconnecting" : "connecting");
    const sep = this.url.includes("?") ? "&" : "?";
    const ws = new WebSocket(this.url + sep + "token=" + encodeURIComponent(this.token));
    this.ws = ws;
    // a handshake through a dead link never ends by itself
    setTimeout(() => { if (this.ws === ws && !this.joined) this._abandon("connect timeout"); }, this.connectTimeoutMs);
    ws.onopen = () => {
      const join = { type: "join", room: this.room };
      if (this.offset) join.last_offset = this.offset;
      ws.send(JSON.stringify(join));
      this.lastHeard = Date.now();
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this._heartbeat(), this.heartbeatMs);
    };
    ws.onmessage = (m) => { this.lastHeard = Date.now(); this._message(m.data); };
    ws.onclose = (ev) => this._closed(ev);
    ws.onerror = () => {};
  }

  close() {
    this.closed = true;
    clearInterval(this.pingTimer);
    if (this.ws) this.ws.close(1000);
  }

  _heartbeat() {
    const sent = Date.now();
    this.send({ type: "ping", t: sent });
    setTimeout(() => {
      if (this.ws && this.lastHeard < sent && !this.closed) this._abandon("no pong");
    }, this.pongTimeoutMs);
  }

  /** Give up on the current socket without waiting for a closing handshake a dead link will never finish. */
  _abandon(reason) {
    const ws = this.ws;
    if (!ws || this.closed) return;
    ws.onclose = ws.onmessage = ws.onopen = null;
    try { ws.close(4000, reason); } catch { /* already closing */ }
    this.ws = null;
    this._closed({ code: 1006, reason });
  }

  _retryNow() {
    if (this.closed || this.ws || !this.retryTimer) return;
    this.attempt = 0;
    this.connect();
  }

  /** Drop the connection as a network failure would (used by the page's own tests). */
  drop() {
    if (this.ws) this.ws.close(4000, "drop");
  }

  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(msg));
      return true;
    }
    return false;
  }

  /** Send a request carrying a rid; resolves with the result data, rejects with {code, message}. */
  request(msg, timeoutMs = 10000) {
    const rid = "r" + ++this.seq;
    return new Promise((resolve, reject) => {
      if (!this.joined || !this.send({ ...msg, rid })) {
        reject({ code: "unavailable", message: "not connected" });
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject({ code: "unavailable", message: "no answer" });
      }, timeoutMs);
      this.pending.set(rid, { resolve, reject, timer });
    });
  }

  _apply(change) {
    for (const [k, v] of Object.entries(change || {})) {
      if (v === null) delete this.state[k];
      else this.state[k] = v;
    }
  }

  _message(text) {
    let msg;
    try { msg = JSON.parse(text); } catch { return; }
    switch (msg.type) {
      case "joined": {
        const resumed = this.joined || this.reconnects > 0;
        this.joined = true;
        this.attempt = 0;
        this.state = { ...msg.state };
        if (msg.offset && !this.offset) this.offset = msg.offset;
        if (!resumed) this.offset = msg.offset || null;
        this.onSnapshot(this.state, { resync: false, resumed });
        this.onStatus("connected");
        break;
      }
      case "resync":
        this.state = { ...msg.state };
        this.offset = msg.offset || null;
        this.onSnapshot(this.state, { resync: true, resumed: true });
        break;
      case "frame": {
        if (msg.offset) this.offset = msg.offset;
        this._apply(msg.state);
        this.onFrame((msg.events || []).map(withDefaults), msg.state || {});
        break;
      }
      case "result":
      case "error": {
        const p = msg.rid && this.pending.get(msg.rid);
        if (p) {
          clearTimeout(p.timer);
          this.pending.delete(msg.rid);
          if (msg.type === "result") p.resolve(msg.data || {});
          else p.reject({ code: msg.code, message: msg.message, retry_after: msg.retry_after });
        } else if (msg.type === "error") {
          this.onError({ code: msg.code, message: msg.message });
        }
        break;
      }
      default:
        break;
    }
  }

  _closed(ev) {
    clearInterval(this.pingTimer);
    this.joined = false;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject({ code: "unavailable", message: "connection lost" });
    }
    this.pending.clear();
    this.ws = null;
    if (this.closed) return;
    if (ev.code === 4502 && this.renewToken) {
      this.onStatus("renewing");
      Promise.resolve().then(() => this.renewToken()).then((token) => {
        if (!token) throw new Error("no token");
        this.token = token;
        this.connect();
      }).catch(() => this.onStatus("refused", { code: 4502, reason: CLOSE_REASONS[4502] }));
      return;
    }
    if (ev.code >= 4500 && ev.code < 5000 || ev.code === 1009 || ev.code === 1008) {
      this.onStatus("refused", { code: ev.code, reason: CLOSE_REASONS[ev.code] || "closed" });
      return;
    }
    if (!shouldReconnect(ev.code) && ev.code !== 1000 && ev.code !== 1005) {
      // unknown codes: still try again, a person would rather have a page that heals
    }
    this.attempt += 1;
    this.reconnects += 1;
    const base = Math.min(10000, 400 * 2 ** Math.min(this.attempt - 1, 5));
    const delay = base / 2 + Math.random() * base / 2;
    this.onStatus("reconnecting", { in: delay });
    this.retryTimer = setTimeout(() => { if (!this.closed) this.connect(); }, delay);
  }
}
