import { Backoff, type BackoffOptions } from "./backoff.js";
import { Close, shouldReconnect } from "./codes.js";
import { Emitter } from "./emitter.js";
import { newKey } from "./keys.js";
import type {
  Buy, Claim, ClientMessage, Enter, Error as ErrorMessage, GroupJoin, GroupOpen, Frame, Gift, Joined, Result, Resync, RoomEvent,
  RoomState,
  Grab, ServerMessage,
} from "./protocol.js";
import { RoomModel } from "./room.js";

/** The part of a WebSocket the client uses: the browser's, Node's global one (22+), or the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: unknown) => WebSocketLike;

/** Where browser `online`/`offline` events come from (default: `globalThis` when it has them). */
export interface OnlineSource {
  addEventListener(name: "online" | "offline", listener: () => void): void;
  removeEventListener(name: "online" | "offline", listener: () => void): void;
}

export interface ClientOptions {
  /** the gateway, e.g. `ws://127.0.0.1:8765/ws` (from the API's `/api/config`) */
  url: string;
  token: string;
  /** called on close 4502 (token expired): resolves to a new token, then the client reconnects and resumes */
  refreshToken?: () => Promise<string>;
  /** a WebSocket class; default `globalThis.WebSocket` (browsers, Node 22+); in Node 20 pass `ws`'s */
  WebSocket?: WebSocketConstructor;
  /** `query` (`?token=`, default, works everywhere) or `header` (`Authorization: Bearer`, with `ws` only) */
  tokenIn?: "query" | "header";
  /** how often to ping (default 25 000 ms; the gateway closes an idle connection after 75 s) */
  heartbeatMs?: number;
  /** a ping without a pong for this long drops the connection and reconnects (default 10 000 ms) */
  pongTimeoutMs?: number;
  /** an opening handshake not done by then is given up and tried again (default 15 000 ms): through a link that
   * forwards nothing (a proxy or a mobile network gone silent) it would never end by itself */
  connectTimeoutMs?: number;
  /** how long a request waits for its answer (default 10 000 ms) */
  requestTimeoutMs?: number;
  /** reconnect on the close codes that mean so (default true) */
  reconnect?: boolean;
  backoff?: Backoff | BackoffOptions;
  /** how many tries an action (buy, claim, enter, gift) gets while the answer is `unavailable` (default 5) */
  attempts?: number;
  /** how many recent events the room model keeps (default 200) */
  maxEvents?: number;
  online?: OnlineSource | null;
}

export type Answer = Result | ErrorMessage;
export type Status = "idle" | "connecting" | "open" | "joined" | "waiting" | "closed";

export interface ClientEvents {
  /** the socket opened (`reconnect`: not the first time) */
  open: { reconnect: boolean };
  /** the gateway answered a join (also the automatic one after a reconnect) */
  joined: Joined;
  /** the resume offset was gone: the state was replaced by a snapshot */
  resync: Resync;
  frame: Frame;
  /** each room event, once, in order (a replay after a reconnect never repeats one) */
  event: RoomEvent;
  /** the latest-value-wins changes of one frame (`null`: removed) */
  state: Record<string, unknown>;
  /** an `error` that answers no request */
  error: ErrorMessage;
  close: { code: number; reason: string; reconnect: boolean };
  reconnecting: { attempt: number; delayMs: number };
  /** the client stopped for good: a close code that means "do not reconnect", or a failed token refresh */
  refused: { code: number; reason: string };
}

/** `join` refused: `code` is the gateway's error code (`forbidden`...), or `unavailable` when the connection was
 * lost before the answer (the client joins again by itself once reconnected), or `closed` once it stopped. */
export class JoinError extends Error {
  override name = "JoinError";
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

interface Pending {
  resolve: (answer: Answer | Joined) => void;
  timer: ReturnType<typeof setTimeout>;
}

const OPEN = 1;

function withToken(url: string, token: string): string {
  const u = new URL(url);
  u.searchParams.set("token", token);
  return u.toString();
}

function unavailable(rid: string | null, message: string): ErrorMessage {
  return { type: "error", code: "unavailable", message, rid };
}

/**
 * A connection to a livecore gateway: connect with a token, join a room, receive typed events and a room model,
 * reconnect and resume by itself, and send requests (with `rid` and timeouts) and actions (with idempotency keys
 * reused on every retry).
 */
export class LiveClient extends Emitter<ClientEvents> {
  readonly model: RoomModel;
  status: Status = "idle";
  closeCode: number | null = null;
  closeReason = "";
  reconnects = 0;
  rtt: number | null = null;
  token: string;
  private ws: WebSocketLike | null = null;
  private readonly opts: Required<Pick<ClientOptions, "heartbeatMs" | "pongTimeoutMs" | "connectTimeoutMs" |
    "requestTimeoutMs" | "attempts" | "reconnect" | "tokenIn">> & ClientOptions;
  private readonly backoff: Backoff;
  private readonly WS: WebSocketConstructor;
  private readonly pending = new Map<string, Pending>();
  private rids = 0;
  private opened = 0;
  private closing = false;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly online: OnlineSource | null;
  private readonly onOffline = () => this.drop("offline");
  private readonly onOnline = () => this.wake();

  constructor(options: ClientOptions) {
    super();
    this.opts = {
      heartbeatMs: 25_000, pongTimeoutMs: 10_000, connectTimeoutMs: 15_000, requestTimeoutMs: 10_000, attempts: 5,
      reconnect: true,
      tokenIn: "query", ...options,
    };
    this.token = options.token;
    this.model = new RoomModel(options.maxEvents ?? 200);
    this.backoff = options.backoff instanceof Backoff ? options.backoff : new Backoff(options.backoff);
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new TypeError("no WebSocket: pass options.WebSocket (e.g. the `ws` package's) on Node 20");
    this.WS = WS;
    const g = globalThis as unknown as Partial<OnlineSource> & { navigator?: { onLine?: boolean } };
    this.online = options.online !== undefined ? options.online
      : typeof g.addEventListener === "function" && typeof g.navigator?.onLine === "boolean" ? g as OnlineSource : null;
  }

  get room(): string | null { return this.model.room; }
  get state(): RoomState { return this.model.state; }
  get offset(): string | null { return this.model.offset; }
  /** the socket in use (tests and debugging) */
  get socket(): WebSocketLike | null { return this.ws; }

  // -- connection -------------------------------------------------------------------------------------------
  /** Open the connection; resolves once open (after retries, if the first attempts fail and reconnect is on). */
  connect(): Promise<void> {
    if (this.status !== "idle" && this.status !== "closed") return this.ready(this.opts.requestTimeoutMs, false);
    this.closing = false;
    this.online?.addEventListener("offline", this.onOffline);
    this.online?.addEventListener("online", this.onOnline);
    const opened = new Promise<void>((resolve, reject) => {
      const stopOpen = this.on("open", () => { stopOpen(); stopRefused(); resolve(); });
      const stopRefused = this.on("refused", (r) => {
        stopOpen(); stopRefused(); reject(new Error(`refused: ${r.code} ${r.reason}`));
      });
    });
    this.openSocket();
    return opened;
  }

  /** Close for good (no reconnect). */
  close(code: number = Close.NORMAL, reason = ""): void {
    this.closing = true;
    this.online?.removeEventListener("offline", this.onOffline);
    this.online?.removeEventListener("online", this.onOnline);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const ws = this.ws;
    if (ws) {
      this.detach(ws);
      try { ws.close(code, reason); } catch { /* already closed */ }
      this.closed(code, reason);
    } else {
      this.status = "closed";
    }
  }

  private openSocket(): void {
    this.status = "connecting";
    const url = this.opts.tokenIn === "query" ? withToken(this.opts.url, this.token) : this.opts.url;
    const ws = this.opts.tokenIn === "header"
      ? new this.WS(url, undefined, { headers: { Authorization: `Bearer ${this.token}` } })
      : new this.WS(url);
    this.ws = ws;
    this.stopConnectTimer();
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      if (this.ws === ws && this.status === "connecting") this.drop("connect timeout");
    }, this.opts.connectTimeoutMs);
    ws.onopen = () => { if (this.ws === ws) this.opened_(); };
    ws.onmessage = (ev) => { if (this.ws === ws) this.message(ev.data); };
    ws.onclose = (ev) => { if (this.ws === ws) { this.detach(ws); this.closed(ev.code, ev.reason ?? ""); } };
    ws.onerror = () => { /* a close follows */ };
  }

  private detach(ws: WebSocketLike): void {
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    if (this.ws === ws) this.ws = null;
  }

  /** Drop the connection now (a missing pong, the browser going offline) and reconnect as after 1006. */
  drop(reason: string): void {
    const ws = this.ws;
    if (!ws) return;
    this.detach(ws);
    const terminate = (ws as { terminate?: () => void }).terminate;
    try {
      if (typeof terminate === "function") terminate.call(ws);
      else ws.close(4000, reason);
    } catch { /* already closed */ }
    this.closed(1006, reason);
  }

  private stopConnectTimer(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  private opened_(): void {
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
  private rejoin(): void {
    const ws = this.ws;
    const room = this.model.room;
    if (room == null) return;
    void this.sendJoin(room, this.model.offset).then((answer) => {
      if (answer.type !== "error" || this.ws !== ws || this.closing) return;
      if (answer.code === "unavailable") {
        setTimeout(() => { if (this.ws === ws && this.status === "open") this.rejoin(); }, this.backoff.next());
      } else {
        this.emit("error", answer);
      }
    });
  }

  private closed(code: number, reason: string): void {
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
      this.opts.refreshToken!().then((token) => { this.token = token; this.schedule(); }, (err: unknown) => {
        this.status = "closed";
        this.emit("refused", { code, reason: `token refresh failed: ${String(err)}` });
      });
    } else {
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.closing) return;
    const nav = (globalThis as { navigator?: { onLine?: boolean } }).navigator;
    if (this.online && nav?.onLine === false) {
      return; // the "online" event reconnects
    }
    const delayMs = this.backoff.next();
    this.emit("reconnecting", { attempt: this.backoff.attempt, delayMs });
    this.retryTimer = setTimeout(() => { this.retryTimer = null; if (!this.closing) this.openSocket(); }, delayMs);
  }

  /** Back online: reconnect now instead of waiting out the backoff. */
  private wake(): void {
    if (this.closing || this.status !== "waiting") return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.openSocket();
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      if (!this.ws || this.ws.readyState !== OPEN) return;
      this.raw({ type: "ping", t: Date.now() });
      if (!this.pongTimer) this.pongTimer = setTimeout(() => { this.pongTimer = null; this.drop("pong timeout"); },
        this.opts.pongTimeoutMs);
    }, this.opts.heartbeatMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.heartbeat = this.pongTimer = null;
  }

  // -- receiving --------------------------------------------------------------------------------------------
  private message(data: unknown): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(typeof data === "string" ? data : String(data)) as ServerMessage;
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

  private answer(rid: string | null | undefined, msg: Answer | Joined): boolean {
    if (rid == null) return false;
    const p = this.pending.get(rid);
    if (!p) return false;
    this.pending.delete(rid);
    clearTimeout(p.timer);
    p.resolve(msg);
    return true;
  }

  // -- sending ----------------------------------------------------------------------------------------------
  private raw(msg: ClientMessage): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  /** Send without waiting for an answer (chat, like, share...); false when not connected. */
  send(msg: ClientMessage): boolean {
    return this.raw(msg);
  }

  /** Resolves once connected and, when a room was joined, joined again (after a reconnect). */
  ready(timeoutMs = this.opts.requestTimeoutMs, joined = true): Promise<void> {
    const ok = () => this.status === "joined" || (this.status === "open" && (!joined || this.model.room == null));
    if (ok()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => { clearTimeout(timer); stops.forEach((s) => s()); err ? reject(err) : resolve(); };
      const check = () => { if (ok()) done(); };
      const stops = [this.on("open", check), this.on("joined", check),
        this.on("refused", (r) => done(new Error(`refused: ${r.code} ${r.reason}`)))];
      const timer = setTimeout(() => done(new Error("not connected")), timeoutMs);
    });
  }

  private nextRid(): string {
    this.rids += 1;
    return `r${this.rids}`;
  }

  private await_(rid: string, timeoutMs: number): Promise<Answer | Joined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.pending.delete(rid); resolve(unavailable(rid, "timed out")); }, timeoutMs);
      this.pending.set(rid, { resolve, timer });
    });
  }

  /**
   * Send with a fresh `rid` and wait for its `result` or `error`. A connection lost (or no answer within
   * `timeoutMs`) answers `error unavailable`: an action with a key may then be sent again with the same key.
   */
  async request(msg: ClientMessage, timeoutMs = this.opts.requestTimeoutMs): Promise<Answer> {
    try {
      await this.ready(timeoutMs);
    } catch (err) {
      return unavailable(null, (err as Error).message);
    }
    const rid = this.nextRid();
    const answer = this.await_(rid, timeoutMs);
    if (!this.raw({ ...msg, rid } as ClientMessage)) this.answer(rid, unavailable(rid, "not connected"));
    return answer as Promise<Answer>;
  }

  /** Join `room` (leaving the current one); after a reconnect the client joins it again by itself. */
  async join(room: string, lastOffset: string | null = null, timeoutMs = this.opts.requestTimeoutMs): Promise<Joined> {
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

  private sendJoin(room: string, lastOffset: string | null, timeoutMs = this.opts.requestTimeoutMs):
    Promise<Joined | Answer> {
    const rid = this.nextRid();
    const answer = this.await_(rid, timeoutMs);
    const msg: ClientMessage = lastOffset != null ? { type: "join", room, last_offset: lastOffset, rid }
      : { type: "join", room, rid };
    if (!this.raw(msg)) this.answer(rid, unavailable(rid, "not connected"));
    return answer;
  }

  /**
   * Send an action until it has an answer other than `unavailable` (at most `attempts` tries), the same message
   * each time: its idempotency key was chosen once, so every retry is the same intended action.
   */
  async action(msg: ClientMessage, attempts = this.opts.attempts): Promise<Answer> {
    let answer: Answer = unavailable(null, "not sent");
    for (let i = 0; i < attempts && !this.closing && this.status !== "closed"; i++) {
      answer = await this.request(msg);
      if (!(answer.type === "error" && answer.code === "unavailable")) return answer;
    }
    return answer;
  }

  /** Buy from a flash sale; `key` defaults to a new one, made once and reused on every retry. */
  buy(sale: string, qty = 1, key: string = newKey("buy")): Promise<Answer> {
    const msg: Buy = { type: "buy", sale, key, qty };
    return this.action(msg);
  }

  /** Claim a coupon; `key` as for `buy`. */
  claim(batch: string, key: string = newKey("claim")): Promise<Answer> {
    const msg: Claim = { type: "claim", batch, key };
    return this.action(msg);
  }

  /** Enter a lottery (one entry per viewer: a retry answers as the first did, or `already`). */
  enter(lottery: string): Promise<Answer> {
    const msg: Enter = { type: "enter", lottery };
    return this.action(msg);
  }

  /** Grab a packet of a red packet rain; `key` as for `buy` (a retry answers the first answer, never a second
   * packet). A password packet is grabbed by sending its phrase with `chat`. */
  grab(rain: string, key: string = newKey("grab")): Promise<Answer> {
    const msg: Grab = { type: "grab", rain, key };
    return this.action(msg);
  }

  /** Open a group of a group deal (拼团), holding one unit; `key` as for `buy`. */
  groupOpen(deal: string, key: string = newKey("group")): Promise<Answer> {
    const msg: GroupOpen = { type: "group_open", deal, key };
    return this.action(msg);
  }

  /** Join an open group; the join that fills it answers `status: "complete"`. `key` as for `buy`; `share`: the
   * share code of the link the viewer came through (`?share=`), attributing the join to its sharer. */
  groupJoin(group: string, key: string = newKey("group"), share?: string): Promise<Answer> {
    const msg: GroupJoin = { type: "group_join", group, key };
    if (share) msg.share = share;
    return this.action(msg);
  }

  /** Send a gift; `key` as for `buy`, so a retry never sends it twice. */
  gift(gift: string, count = 1, key: string = newKey("gift")): Promise<Answer> {
    const msg: Gift = { type: "gift", gift, count, key };
    return this.action(msg);
  }

  /** Barrage: the gateway's `result {id}` or its refusal (`too_long`, `rate_limited`, `muted`...). */
  chat(text: string): Promise<Answer> {
    return this.request({ type: "chat", text });
  }

  like(count = 1): boolean {
    return this.send({ type: "like", count });
  }
}
