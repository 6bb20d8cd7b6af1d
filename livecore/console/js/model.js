// Reading the room state the commerce and ranking services publish, tolerant of field names and units,
// so the pages depend on meaning (price, stock, window) rather than on one service's exact layout.

export function ms(v) {
  if (v == null || v === "") return null;
  const n = Number(v);
  if (Number.isNaN(n)) return Date.parse(v) || null;
  return n < 1e12 ? n * 1000 : n; // seconds or milliseconds since the epoch
}

export function pick(o, ...names) {
  for (const n of names) if (o && o[n] != null) return o[n];
  return null;
}

/** Every sale in the state, with stock from ``stock:<id>`` merged in. */
export function sales(state) {
  const out = [];
  for (const [k, v] of Object.entries(state)) {
    if (!k.startsWith("sale:") || !v || typeof v !== "object") continue;
    const id = k.slice(5);
    out.push(sale(id, v, state["stock:" + id]));
  }
  return out;
}

export function sale(id, v, stockValue) {
  const quantity = Number(pick(v, "quantity", "total", "stock_total", "qty") ?? 0);
  const stock = stockValue != null ? Number(stockValue) : Number(pick(v, "stock", "remaining", "left") ?? quantity);
  const status = String(pick(v, "status", "phase", "state") || "scheduled");
  return {
    id: String(pick(v, "id", "sale") || id),
    product: pick(v, "product", "product_id"),
    sku: pick(v, "sku", "sku_id"),
    title: pick(v, "title", "product_title", "name") || "",
    price: Number(pick(v, "price", "sale_price") ?? 0),
    quantity,
    stock,
    // live stock (state ``stock:<id>``) moves every tick; the sale object's ``sold`` only when it is republished
    sold: stockValue != null ? Math.max(0, quantity - stock) : Number(pick(v, "sold") ?? Math.max(0, quantity - stock)),
    perUser: pick(v, "per_user", "limit", "per_user_limit"),
    startsAt: ms(pick(v, "starts_at", "start_at", "start")),
    endsAt: ms(pick(v, "ends_at", "end_at", "end")),
    status,
    raw: v,
  };
}

/** What a viewer sees right now: started within its window, or scheduled (a countdown to start). */
export function phase(s, now = Date.now()) {
  if (["ended", "stopped", "cancelled", "closed"].includes(s.status)) return "ended";
  if (s.status === "sold_out" || s.stock <= 0 && s.quantity > 0) return "sold_out";
  if (s.endsAt && now >= s.endsAt) return "ended";
  if (s.startsAt && now < s.startsAt) return "scheduled";
  return "started";
}

/** The sale to show beside the product on screen: its own running sale first, then any running one. */
export function saleFor(state, product, now = Date.now()) {
  const all = sales(state).filter((s) => phase(s, now) !== "ended");
  const mine = all.filter((s) => product && (s.product === product.id || (s.sku && s.sku === product.sku)));
  const order = { started: 0, scheduled: 1, sold_out: 2 };
  const best = (list) => list.sort((a, b) => order[phase(a, now)] - order[phase(b, now)])[0] || null;
  return best(mine) || best(all);
}

export function coupons(state) {
  const out = [];
  for (const [k, v] of Object.entries(state)) {
    if (!k.startsWith("coupon:") || !v || typeof v !== "object") continue;
    out.push(coupon(k.slice(7), v));
  }
  return out;
}

export function coupon(id, v) {
  const total = Number(pick(v, "total", "quantity") ?? 0);
  const remaining = Number(pick(v, "remaining", "left", "stock") ?? total);
  return {
    id: String(pick(v, "id", "batch") || id),
    kind: String(pick(v, "kind", "type") || "fixed"),
    amount: Number(pick(v, "amount", "off", "value") ?? 0),
    threshold: Number(pick(v, "threshold", "min_amount", "min") ?? 0),
    percent: Number(pick(v, "percent", "pct") ?? 0),
    cap: pick(v, "cap", "max_discount"),
    total,
    remaining,
    claimed: Number(pick(v, "claimed") ?? Math.max(0, total - remaining)),
    perUser: pick(v, "per_user", "limit"),
    startsAt: ms(pick(v, "starts_at", "claim_starts_at")),
    endsAt: ms(pick(v, "ends_at", "claim_ends_at")),
    status: String(pick(v, "status", "phase") || "issued"),
    title: pick(v, "title", "name") || "",
    raw: v,
  };
}

/** A batch a viewer can claim now: its window open, some left, neither ended nor expired. */
export function claimable(c, now = Date.now()) {
  if (!["active", "issued"].includes(c.status)) return false;
  if (!(c.remaining > 0)) return false;
  if (c.endsAt && now >= c.endsAt) return false;
  if (c.startsAt && now < c.startsAt) return false;
  return true;
}

/** What an order of ``amount`` cents costs after a coupon taking ``discount`` off (never below zero). */
export function afterCoupon(amount, discount) {
  return Math.max(0, Number(amount || 0) - Math.max(0, Number(discount || 0)));
}

export function couponLabel(c, money, lang) {
  if (c.title) return c.title;
  if (c.kind === "threshold") return lang === "en" ? `${money(c.amount)} off over ${money(c.threshold)}` : `满${money(c.threshold)}减${money(c.amount)}`;
  if (c.kind === "percent") {
    const pct = c.percent;
    return lang === "en" ? `${pct}% off` : `${((100 - pct) / 10).toFixed(pct % 10 ? 1 : 0)}折`;
  }
  return lang === "en" ? `${money(c.amount)} off` : `立减${money(c.amount)}`;
}

export function lottery(v) {
  if (!v || typeof v !== "object") return null;
  const cond = pick(v, "condition", "kind") || "keyword";
  const condObj = typeof cond === "object" ? cond : null;
  return {
    id: String(pick(v, "id", "lottery") || ""),
    prize: pick(v, "prize", "title") || "",
    winnersWanted: Number(pick(v, "winners_count", "count", "n_winners", "winners") ?? 1) || 1,
    condition: condObj ? String(pick(condObj, "kind", "type")) : String(cond),
    keyword: pick(condObj || {}, "keyword") ?? pick(v, "keyword"),
    watchS: pick(condObj || {}, "seconds", "watch_s") ?? pick(v, "watch_s", "seconds"),
    endsAt: ms(pick(v, "ends_at", "end_at")),
    seedHash: pick(v, "seed_hash"),
    seed: pick(v, "seed"),
    entries: Number(pick(v, "entries", "entries_count", "entered") ?? 0),
    winners: Array.isArray(v.winners) ? v.winners : Array.isArray(v.winner_list) ? v.winner_list : null,
    status: String(pick(v, "status", "phase") || "opened"),
    names: v.names && typeof v.names === "object" ? v.names : {}, // winner id -> display name
    raw: v,
  };
}

/** People in lists (winners, contributors, muted) are user ids or objects {user, name}. */
export function winnerId(w) {
  return typeof w === "object" && w ? String(w.user ?? w.id ?? "") : String(w);
}

/** A person's display name: their own ``name``, else the one ``names`` (user id -> name) gives, else the id. */
export function winnerName(w, names) {
  const id = winnerId(w);
  const own = typeof w === "object" && w ? w.name : null;
  return String(own || (names && names[id]) || id);
}
