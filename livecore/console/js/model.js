// Reading the room state the commerce and ranking services publish. Each value has one type, generated from
// livecore/protocol/state.py (the SDK's RoomState: SaleState, CouponState, LotteryState, ...): the pages read the
// type's fields, one name per fact; times are epoch milliseconds, money is cents.

/** A time of the session reports (ISO dates, or epoch seconds or milliseconds) as epoch milliseconds. */
export function ms(v) {
  if (v == null || v === "") return null;
  const n = Number(v);
  if (Number.isNaN(n)) return Date.parse(v) || null;
  return n < 1e12 ? n * 1000 : n; // seconds or milliseconds since the epoch
}

/** Every sale in the state (``sale:<id>``, a SaleState), with the live stock of ``stock:<id>`` merged in. */
export function sales(state) {
  const out = [];
  for (const [k, v] of Object.entries(state)) {
    if (!k.startsWith("sale:") || !v || typeof v !== "object") continue;
    const id = k.slice(5);
    out.push(sale(v, state["stock:" + id]));
  }
  return out;
}

/** A SaleState (the state value, a SaleEvent's data or the REST answer), with ``stockValue`` the live stock. */
export function sale(v, stockValue) {
  const live = stockValue != null;
  const stock = live ? Number(stockValue) : v.stock;
  return {
    id: v.id,
    product: v.product,
    sku: v.sku,
    title: v.title,
    price: v.price,
    quantity: v.quantity,
    stock,
    // live stock (state ``stock:<id>``) moves every tick; the sale object's ``sold`` only when it is republished
    sold: live ? Math.max(0, v.quantity - stock) : v.sold,
    perUser: v.per_user,
    startsAt: v.starts_at,
    endsAt: v.ends_at,
    status: v.status,
    raw: v,
  };
}

/** What a viewer sees right now: started within its window, or scheduled (a countdown to start). */
export function phase(s, now = Date.now()) {
  if (s.status === "ended") return "ended";
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

/** Every coupon batch in the state (``coupon:<id>``, a CouponState). */
export function coupons(state) {
  const out = [];
  for (const [k, v] of Object.entries(state)) {
    if (!k.startsWith("coupon:") || !v || typeof v !== "object") continue;
    out.push(coupon(v));
  }
  return out;
}

/** A CouponState (the state value or the REST answer). */
export function coupon(v) {
  return {
    id: v.id,
    kind: v.kind,
    amount: v.amount,
    threshold: v.threshold,
    percent: v.percent,
    cap: v.cap,
    total: v.total,
    remaining: v.remaining,
    claimed: Math.max(0, v.total - v.remaining),
    perUser: v.per_user,
    startsAt: v.starts_at,
    endsAt: v.ends_at,
    status: v.status,
    title: v.title,
    raw: v,
  };
}

/** A batch a viewer can claim now: its window open, some left, neither ended nor expired. */
export function claimable(c, now = Date.now()) {
  if (c.status !== "active") return false;
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

/** A LotteryState (the ``lottery`` state, or a lottery event's data merged over it). */
export function lottery(v) {
  if (!v || typeof v !== "object") return null;
  return {
    id: v.id,
    prize: v.prize,
    winnersWanted: v.winners_count,
    condition: v.condition,
    keyword: v.keyword,
    watchS: v.watch_s,
    endsAt: v.ends_at,
    seedHash: v.seed_hash,
    seed: v.seed,
    entries: v.entries,
    winners: Array.isArray(v.winners) ? v.winners : null, // present once drawn
    status: v.status,
    names: v.names || {}, // winner id -> display name, once drawn
    raw: v,
  };
}

/** People in lists are user ids (lottery winners) or objects {user, name} (contributors, muted viewers). */
export function winnerId(w) {
  return typeof w === "object" && w ? String(w.user) : String(w);
}

/** A person's display name: their own ``name``, else the one ``names`` (user id -> name) gives, else the id. */
export function winnerName(w, names) {
  const id = winnerId(w);
  const own = typeof w === "object" && w ? w.name : null;
  return String(own || (names && names[id]) || id);
}
