// @livecore/client 0.1.0, built from clients/ts/src by `npm run bundle` (scripts/bundle.mjs): do not edit.

// src/backoff.ts
var Backoff = class {
  baseMs;
  factor;
  capMs;
  attempt = 0;
  random;
  constructor(options = {}) {
    this.baseMs = options.baseMs ?? 250;
    this.factor = options.factor ?? 2;
    this.capMs = options.capMs ?? 1e4;
    this.random = options.random ?? Math.random;
  }
  ceiling() {
    return Math.min(this.capMs, this.baseMs * this.factor ** this.attempt);
  }
  /** The next delay in milliseconds; each call backs off further. */
  next() {
    const d = this.ceiling();
    this.attempt += 1;
    return d / 2 + this.random() * d / 2;
  }
  reset() {
    this.attempt = 0;
  }
};

// src/protocol.ts
var STATE_KEYS = ["live", "title", "cover", "session", "live_since", "online", "peak", "uv", "likes", "product", "sale:{id}", "stock:{id}", "coupon:{id}", "lottery", "pinned", "rank", "top", "demo_host", "metrics", "poll", "redpacket:{id}", "groupbuy:{deal}", "share:help"];
var HOST_STATE_KEYS = ["metrics"];
var CLIENT_TYPES = ["join", "leave", "chat", "like", "share", "follow", "gift", "ping", "click", "cart", "mute", "unmute", "delete", "pin", "buy", "claim", "enter", "share_code", "share_visit", "help_friend", "help_status", "grab", "vote", "group_open", "group_join"];
var ERROR_CODES = {
  bad_frame: "not JSON, or not a JSON object",
  unknown_type: "`type` names no client message",
  invalid: "a known type with missing, ill-typed or out-of-range fields",
  not_joined: "a room action before `join`",
  forbidden: "the role may not do this",
  too_long: "barrage over the length limit",
  rate_limited: "rate exceeded; wait `retry_after` seconds",
  duplicate: "the same barrage again within the spam window",
  muted: "the host muted this user",
  not_found: "sale, batch, lottery, message or gift unknown",
  not_started: "the sale, batch or lottery has not started",
  ended: "it has ended",
  sold_out: "no stock or coupons left",
  limit_reached: "per-user limit reached",
  not_eligible: "the lottery's entry condition is not met",
  already: "already entered / already done",
  unavailable: "a dependency is down or the connection dropped: retry with the same key",
  internal: "a bug on the server's side; retry later",
  bad_code: "the share or help code was altered, or made for another room or group",
  self_referral: "one's own share link: no referral recorded",
  referral_loop: "the sharer was brought by this viewer (A->B->A or longer): no referral recorded",
  self_help: "one cannot help oneself unlock a help coupon",
  group_closed: "the group-buy group is complete, dissolved or past its deadline: open or join another",
  unauthorized: "HTTP: token missing, forged, malformed or expired",
  expired: "HTTP: the order's payment window (or the coupon's validity) has passed",
  busy: "HTTP: another lottery is still open in this room",
  cancelled: "HTTP: the lottery was cancelled",
  not_ended: "HTTP: the lottery's entry window has not ended",
  not_owner: "HTTP: the coupon belongs to someone else",
  already_used: "HTTP: the coupon was used on another order",
  not_yet_valid: "HTTP: the coupon's validity has not begun",
  threshold_not_met: "HTTP: the order is below the coupon's threshold",
  order_has_coupon: "HTTP: the order already uses another coupon",
  wrong_room: "HTTP: the coupon belongs to another room than the order",
  in_use: "HTTP: something still refers to it (a sale to a product)",
  not_live: "HTTP: the room is not live",
  too_large: "HTTP: the request body is over the size limit",
  method_not_allowed: "HTTP: the path does not take this method"
};
var CLOSE_CODES = {
  1e3: { reconnect: false, meaning: "closed deliberately" },
  1001: { reconnect: true, meaning: "the server is going away" },
  1003: { reconnect: false, meaning: "a binary frame: the protocol is JSON text frames" },
  1006: { reconnect: true, meaning: "abnormal: the connection dropped (never sent, seen locally)" },
  1009: { reconnect: false, meaning: "a client frame over the size limit; do not resend it" },
  1011: { reconnect: true, meaning: "unexpected server error" },
  1012: { reconnect: true, meaning: "the gateway is shutting down: reconnect (to any gateway) and resume" },
  1013: { reconnect: true, meaning: "overloaded: reconnect with backoff" },
  4001: { reconnect: true, meaning: "the client did not read fast enough: reconnect and resume" },
  4002: { reconnect: true, meaning: "no frame (not even a ping) within the idle timeout" },
  4501: { reconnect: false, meaning: "token missing, forged or malformed" },
  4502: { reconnect: false, meaning: "the token expired: get a new token, then reconnect" },
  4503: { reconnect: false, meaning: "the token does not allow this room" },
  4504: { reconnect: false, meaning: "too many refused frames in a short time" },
  4505: { reconnect: false, meaning: "removed by the host or an admin" },
  4506: { reconnect: false, meaning: "too many malformed frames" },
  4507: { reconnect: false, meaning: "this user or address holds as many connections as allowed; close one first" }
};

// src/codes.ts
var Close = {
  NORMAL: 1e3,
  SERVICE_RESTART: 1012,
  SLOW_CONSUMER: 4001,
  UNAUTHORIZED: 4501,
  TOKEN_EXPIRED: 4502,
  ROOM_FORBIDDEN: 4503
};
function shouldReconnect(code) {
  const known = CLOSE_CODES[code];
  if (known) return known.reconnect;
  return code >= 4e3 && code < 4500;
}

// src/emitter.ts
var Emitter = class {
  listeners = /* @__PURE__ */ new Map();
  /** Listen to `name`; returns a function that stops listening. */
  on(name, listener) {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, set = /* @__PURE__ */ new Set());
    set.add(listener);
    return () => this.off(name, listener);
  }
  off(name, listener) {
    this.listeners.get(name)?.delete(listener);
  }
  /** The next `name` (optionally the next one `accept` takes), as a promise. */
  once(name, accept = () => true) {
    return new Promise((resolve) => {
      const stop = this.on(name, (payload) => {
        if (!accept(payload)) return;
        stop();
        resolve(payload);
      });
    });
  }
  emit(name, payload) {
    for (const listener of [...this.listeners.get(name) ?? []]) {
      try {
        listener(payload);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
};

// src/keys.ts
function newKey(prefix = "k") {
  const c = globalThis.crypto;
  if (c?.randomUUID) return `${prefix}-${c.randomUUID()}`;
  let out = "";
  for (let i = 0; i < 4; i++) out += Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, "0");
  return `${prefix}-${out}`;
}

// src/room.ts
function compareOffsets(a, b) {
  const [am = "0", as = "0"] = a.split("-");
  const [bm = "0", bs = "0"] = b.split("-");
  const d = Number(am) - Number(bm);
  return d !== 0 ? Math.sign(d) : Math.sign(Number(as) - Number(bs));
}
function after(a, b) {
  if (a == null) return false;
  return b == null || compareOffsets(a, b) > 0;
}
var RoomModel = class {
  constructor(maxEvents = 200) {
    this.maxEvents = maxEvents;
  }
  maxEvents;
  room = null;
  /** The room state, one type per key (`RoomState`, generated from livecore.protocol.state). */
  state = {};
  offset = null;
  events = [];
  resyncs = 0;
  /** A different room: forget everything. */
  reset(room = null) {
    this.room = room;
    this.state = {};
    this.offset = null;
    this.events = [];
  }
  /** Apply one server message; the room events it delivers (new ones only, in order). */
  apply(msg) {
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
  applyJoined(msg) {
    if (msg.room !== this.room) this.reset(msg.room);
    this.state = { ...msg.state };
    if (this.offset == null) this.offset = msg.offset ?? null;
  }
  applyResync(msg) {
    this.state = { ...msg.state };
    this.offset = msg.offset ?? null;
    this.resyncs += 1;
  }
  applyFrame(events, state, offset) {
    const delivered = [];
    for (const event of events) {
      const eo = event.offset;
      if (eo != null) {
        if (!after(eo, this.offset)) continue;
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
    const current = this.state;
    for (const [key, value] of Object.entries(state)) {
      if (value === null) delete current[key];
      else current[key] = value;
    }
    if (after(offset, this.offset)) this.offset = offset;
    return delivered;
  }
  /** A plain-data copy (equal to the Python model's `snapshot()` after the same messages). */
  snapshot() {
    return structuredClone({ room: this.room, state: this.state, offset: this.offset, events: this.events });
  }
};

// src/client.ts
var JoinError = class extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
  code;
  name = "JoinError";
};
var OPEN = 1;
function withToken(url, token) {
  const u = new URL(url);
  u.searchParams.set("token", token);
  return u.toString();
}
function unavailable(rid, message) {
  return { type: "error", code: "unavailable", message, rid };
}
var LiveClient = class extends Emitter {
  model;
  status = "idle";
  closeCode = null;
  closeReason = "";
  reconnects = 0;
  rtt = null;
  token;
  ws = null;
  opts;
  backoff;
  WS;
  pending = /* @__PURE__ */ new Map();
  rids = 0;
  opened = 0;
  closing = false;
  heartbeat = null;
  pongTimer = null;
  retryTimer = null;
  connectTimer = null;
  online;
  onOffline = () => this.drop("offline");
  onOnline = () => this.wake();
  constructor(options) {
    super();
    this.opts = {
      heartbeatMs: 25e3,
      pongTimeoutMs: 1e4,
      connectTimeoutMs: 15e3,
      requestTimeoutMs: 1e4,
      attempts: 5,
      reconnect: true,
      tokenIn: "query",
      ...options
    };
    this.token = options.token;
    this.model = new RoomModel(options.maxEvents ?? 200);
    this.backoff = options.backoff instanceof Backoff ? options.backoff : new Backoff(options.backoff);
    const WS = options.WebSocket ?? globalThis.WebSocket;
    if (!WS) throw new TypeError("no WebSocket: pass options.WebSocket (e.g. the `ws` package's) on Node 20");
    this.WS = WS;
    const g = globalThis;
    this.online = options.online !== void 0 ? options.online : typeof g.addEventListener === "function" && typeof g.navigator?.onLine === "boolean" ? g : null;
  }
  get room() {
    return this.model.room;
  }
  get state() {
    return this.model.state;
  }
  get offset() {
    return this.model.offset;
  }
  /** the socket in use (tests and debugging) */
  get socket() {
    return this.ws;
  }
  // -- connection -------------------------------------------------------------------------------------------
  /** Open the connection; resolves once open (after retries, if the first attempts fail and reconnect is on). */
  connect() {
    if (this.status !== "idle" && this.status !== "closed") return this.ready(this.opts.requestTimeoutMs, false);
    this.closing = false;
    this.online?.addEventListener("offline", this.onOffline);
    this.online?.addEventListener("online", this.onOnline);
    const opened = new Promise((resolve, reject) => {
      const stopOpen = this.on("open", () => {
        stopOpen();
        stopRefused();
        resolve();
      });
      const stopRefused = this.on("refused", (r) => {
        stopOpen();
        stopRefused();
        reject(new Error(`refused: ${r.code} ${r.reason}`));
      });
    });
    this.openSocket();
    return opened;
  }
  /** Close for good (no reconnect). */
  close(code = Close.NORMAL, reason = "") {
    this.closing = true;
    this.online?.removeEventListener("offline", this.onOffline);
    this.online?.removeEventListener("online", this.onOnline);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const ws = this.ws;
    if (ws) {
      this.detach(ws);
      try {
        ws.close(code, reason);
      } catch {
      }
      this.closed(code, reason);
    } else {
      this.status = "closed";
    }
  }
  openSocket() {
    this.status = "connecting";
    const url = this.opts.tokenIn === "query" ? withToken(this.opts.url, this.token) : this.opts.url;
    const ws = this.opts.tokenIn === "header" ? new this.WS(url, void 0, { headers: { Authorization: `Bearer ${this.token}` } }) : new this.WS(url);
    this.ws = ws;
    this.stopConnectTimer();
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      if (this.ws === ws && this.status === "connecting") this.drop("connect timeout");
    }, this.opts.connectTimeoutMs);
    ws.onopen = () => {
      if (this.ws === ws) this.opened_();
    };
    ws.onmessage = (ev) => {
      if (this.ws === ws) this.message(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.ws === ws) {
        this.detach(ws);
        this.closed(ev.code, ev.reason ?? "");
      }
    };
    ws.onerror = () => {
    };
  }
  detach(ws) {
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    if (this.ws === ws) this.ws = null;
  }
  /** Drop the connection now (a missing pong, the browser going offline) and reconnect as after 1006. */
  drop(reason) {
    const ws = this.ws;
    if (!ws) return;
    this.detach(ws);
    const terminate = ws.terminate;
    try {
      if (typeof terminate === "function") terminate.call(ws);
      else ws.close(4e3, reason);
    } catch {
    }
    this.closed(1006, reason);
  }
  stopConnectTimer() {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }
  opened_() {
    this.stopConnectTimer();
    this.status = "open";
    const reconnect = this.opened > 0;
    this.opened += 1;
    if (reconnect) this.reconnects += 1;
    this.startHeartbeat();
    this.emit("open", { reconnect });
    if (this.model.room != null) this.rejoin();
  }
  /** Join the room again on a new connection, resuming from the model's offset; a join answered `unavailable`
   * (a dependency of the gateway is away) is tried again after a backoff delay on the same connection. */
  rejoin() {
    const ws = this.ws;
    const room = this.model.room;
    if (room == null) return;
    void this.sendJoin(room, this.model.offset).then((answer) => {
      if (answer.type !== "error" || this.ws !== ws || this.closing) return;
      if (answer.code === "unavailable") {
        setTimeout(() => {
          if (this.ws === ws && this.status === "open") this.rejoin();
        }, this.backoff.next());
      } else {
        this.emit("error", answer);
      }
    });
  }
  closed(code, reason) {
    this.stopConnectTimer();
    this.stopHeartbeat();
    this.closeCode = code;
    this.closeReason = reason;
    for (const [rid, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve(unavailable(rid, "connection lost"));
    }
    this.pending.clear();
    const refresh = code === Close.TOKEN_EXPIRED && this.opts.refreshToken != null;
    const again = !this.closing && this.opts.reconnect && (shouldReconnect(code) || refresh);
    this.emit("close", { code, reason, reconnect: again });
    if (this.closing) {
      this.status = "closed";
      return;
    }
    if (!again) {
      this.status = "closed";
      this.emit("refused", { code, reason });
      return;
    }
    this.status = "waiting";
    if (refresh) {
      this.opts.refreshToken().then((token) => {
        this.token = token;
        this.schedule();
      }, (err) => {
        this.status = "closed";
        this.emit("refused", { code, reason: `token refresh failed: ${String(err)}` });
      });
    } else {
      this.schedule();
    }
  }
  schedule() {
    if (this.closing) return;
    const nav = globalThis.navigator;
    if (this.online && nav?.onLine === false) {
      return;
    }
    const delayMs = this.backoff.next();
    this.emit("reconnecting", { attempt: this.backoff.attempt, delayMs });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closing) this.openSocket();
    }, delayMs);
  }
  /** Back online: reconnect now instead of waiting out the backoff. */
  wake() {
    if (this.closing || this.status !== "waiting") return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.openSocket();
  }
  startHeartbeat() {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      if (!this.ws || this.ws.readyState !== OPEN) return;
      this.raw({ type: "ping", t: Date.now() });
      if (!this.pongTimer) this.pongTimer = setTimeout(
        () => {
          this.pongTimer = null;
          this.drop("pong timeout");
        },
        this.opts.pongTimeoutMs
      );
    }, this.opts.heartbeatMs);
  }
  stopHeartbeat() {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.heartbeat = this.pongTimer = null;
  }
  // -- receiving --------------------------------------------------------------------------------------------
  message(data) {
    let msg;
    try {
      msg = JSON.parse(typeof data === "string" ? data : String(data));
    } catch {
      return;
    }
    switch (msg.type) {
      case "joined":
        this.model.apply(msg);
        this.status = "joined";
        this.backoff.reset();
        this.answer(msg.rid, msg);
        this.emit("joined", msg);
        return;
      case "frame": {
        const delivered = this.model.apply(msg);
        for (const event of delivered) this.emit("event", event);
        if (msg.state && Object.keys(msg.state).length) this.emit("state", msg.state);
        this.emit("frame", msg);
        return;
      }
      case "resync":
        this.model.apply(msg);
        this.emit("resync", msg);
        return;
      case "result":
        this.answer(msg.rid, msg);
        return;
      case "error":
        if (!this.answer(msg.rid, msg)) this.emit("error", msg);
        return;
      case "pong":
        if (this.pongTimer) clearTimeout(this.pongTimer);
        this.pongTimer = null;
        if (typeof msg.t === "number") this.rtt = Date.now() - msg.t;
        return;
    }
  }
  answer(rid, msg) {
    if (rid == null) return false;
    const p = this.pending.get(rid);
    if (!p) return false;
    this.pending.delete(rid);
    clearTimeout(p.timer);
    p.resolve(msg);
    return true;
  }
  // -- sending ----------------------------------------------------------------------------------------------
  raw(msg) {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }
  /** Send without waiting for an answer (chat, like, share...); false when not connected. */
  send(msg) {
    return this.raw(msg);
  }
  /** Resolves once connected and, when a room was joined, joined again (after a reconnect). */
  ready(timeoutMs = this.opts.requestTimeoutMs, joined = true) {
    const ok = () => this.status === "joined" || this.status === "open" && (!joined || this.model.room == null);
    if (ok()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err) => {
        clearTimeout(timer);
        stops.forEach((s) => s());
        err ? reject(err) : resolve();
      };
      const check = () => {
        if (ok()) done();
      };
      const stops = [
        this.on("open", check),
        this.on("joined", check),
        this.on("refused", (r) => done(new Error(`refused: ${r.code} ${r.reason}`)))
      ];
      const timer = setTimeout(() => done(new Error("not connected")), timeoutMs);
    });
  }
  nextRid() {
    this.rids += 1;
    return `r${this.rids}`;
  }
  await_(rid, timeoutMs) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        resolve(unavailable(rid, "timed out"));
      }, timeoutMs);
      this.pending.set(rid, { resolve, timer });
    });
  }
  /**
   * Send with a fresh `rid` and wait for its `result` or `error`. A connection lost (or no answer within
   * `timeoutMs`) answers `error unavailable`: an action with a key may then be sent again with the same key.
   */
  async request(msg, timeoutMs = this.opts.requestTimeoutMs) {
    try {
      await this.ready(timeoutMs);
    } catch (err) {
      return unavailable(null, err.message);
    }
    const rid = this.nextRid();
    const answer = this.await_(rid, timeoutMs);
    if (!this.raw({ ...msg, rid })) this.answer(rid, unavailable(rid, "not connected"));
    return answer;
  }
  /** Join `room` (leaving the current one); after a reconnect the client joins it again by itself. */
  async join(room, lastOffset = null, timeoutMs = this.opts.requestTimeoutMs) {
    if (room !== this.model.room) this.model.reset(room);
    if (lastOffset != null) this.model.offset = lastOffset;
    await this.ready(timeoutMs, false);
    const answer = await this.sendJoin(room, this.model.offset, timeoutMs);
    if (answer.type === "joined") return answer;
    if (this.status === "closed") {
      throw new JoinError("closed", `join refused: close ${this.closeCode} ${this.closeReason}`);
    }
    if (answer.type === "error") throw new JoinError(answer.code, `join refused: ${answer.code} ${answer.message ?? ""}`);
    throw new JoinError("refused", "join refused");
  }
  sendJoin(room, lastOffset, timeoutMs = this.opts.requestTimeoutMs) {
    const rid = this.nextRid();
    const answer = this.await_(rid, timeoutMs);
    const msg = lastOffset != null ? { type: "join", room, last_offset: lastOffset, rid } : { type: "join", room, rid };
    if (!this.raw(msg)) this.answer(rid, unavailable(rid, "not connected"));
    return answer;
  }
  /**
   * Send an action until it has an answer other than `unavailable` (at most `attempts` tries), the same message
   * each time: its idempotency key was chosen once, so every retry is the same intended action.
   */
  async action(msg, attempts = this.opts.attempts) {
    let answer = unavailable(null, "not sent");
    for (let i = 0; i < attempts && !this.closing && this.status !== "closed"; i++) {
      answer = await this.request(msg);
      if (!(answer.type === "error" && answer.code === "unavailable")) return answer;
    }
    return answer;
  }
  /** Buy from a flash sale; `key` defaults to a new one, made once and reused on every retry. */
  buy(sale, qty = 1, key = newKey("buy")) {
    const msg = { type: "buy", sale, key, qty };
    return this.action(msg);
  }
  /** Claim a coupon; `key` as for `buy`. */
  claim(batch, key = newKey("claim")) {
    const msg = { type: "claim", batch, key };
    return this.action(msg);
  }
  /** Enter a lottery (one entry per viewer: a retry answers as the first did, or `already`). */
  enter(lottery) {
    const msg = { type: "enter", lottery };
    return this.action(msg);
  }
  /** Grab a packet of a red packet rain; `key` as for `buy` (a retry answers the first answer, never a second
   * packet). A password packet is grabbed by sending its phrase with `chat`. */
  grab(rain, key = newKey("grab")) {
    const msg = { type: "grab", rain, key };
    return this.action(msg);
  }
  /** Open a group of a group deal (拼团), holding one unit; `key` as for `buy`. */
  groupOpen(deal, key = newKey("group")) {
    const msg = { type: "group_open", deal, key };
    return this.action(msg);
  }
  /** Join an open group; the join that fills it answers `status: "complete"`. `key` as for `buy`; `share`: the
   * share code of the link the viewer came through (`?share=`), attributing the join to its sharer. */
  groupJoin(group, key = newKey("group"), share) {
    const msg = { type: "group_join", group, key };
    if (share) msg.share = share;
    return this.action(msg);
  }
  /** Send a gift; `key` as for `buy`, so a retry never sends it twice. */
  gift(gift, count = 1, key = newKey("gift")) {
    const msg = { type: "gift", gift, count, key };
    return this.action(msg);
  }
  /** Barrage: the gateway's `result {id}` or its refusal (`too_long`, `rate_limited`, `muted`...). */
  chat(text) {
    return this.request({ type: "chat", text });
  }
  like(count = 1) {
    return this.send({ type: "like", count });
  }
};
export {
  Backoff,
  CLIENT_TYPES,
  CLOSE_CODES,
  Close,
  ERROR_CODES,
  Emitter,
  HOST_STATE_KEYS,
  JoinError,
  LiveClient,
  RoomModel,
  STATE_KEYS,
  after,
  compareOffsets,
  newKey,
  shouldReconnect
};
