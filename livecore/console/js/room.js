// The viewer page: barrage overlay, likes, gifts, the product on screen with its flash sale, coupons, the
// lottery, and a socket that heals itself after a network drop (resume from the last offset, or resync).
import { Api, config } from "./api.js";
import { claims, devLogin, forgetToken, tokenFromPage } from "./auth.js";
import { $, busy, errorText, h, remaining, toast } from "./dom.js";
import { compact, lang, money, reason, t, translate } from "./i18n.js";
import { RoomSocket } from "./live.js";
import { chatAnswered, featureEvent, loadFeatures, mountFeatures, renderFeatures, tickFeatures } from "./features.js";
import * as model from "./model.js";

const ICONS = { lightstick: "🪄", rose: "🌹", heart: "💗", applause: "👏", rocket: "🚀", carnival: "🎡" };
const GIFTS = [
  { id: "rose", icon: ICONS.rose, zh: "玫瑰", en: "Rose" },
  { id: "heart", icon: ICONS.heart, zh: "比心", en: "Heart" },
  { id: "rocket", icon: ICONS.rocket, zh: "火箭", en: "Rocket" },
];
const EN_GIFTS = { lightstick: "Glow stick", rose: "Rose", heart: "Heart", applause: "Applause", rocket: "Rocket", carnival: "Carnival" };

const roomId = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] || "");
const ui = {
  state: {},
  me: null,
  api: null,
  socket: null,
  order: null, // the last order placed here: {id, sale, amount}
  likesLocal: 0,
  likesPending: 0,
  wonShown: new Set(),
  entered: new Set(), // lotteries this viewer entered (kept for the tab's life): only they get the result popup
  bought: new Map(), // sale id -> units this viewer ordered here (for the per-user limit)
  limited: new Set(), // sales the server answered limit_reached for
  couponsShown: "",
  gifts: GIFTS,
};

// what a feature's widget sees (livecore/console/js/features.js)
ui.ctx = {
  page: "viewer",
  room: roomId,
  get api() { return ui.api; },
  get state() { return ui.state; },
  get me() { return ui.me; },
  request: (msg) => ui.socket.request(msg),
  addWidget(name) {
    const box = h("div.feature", { dataset: { feature: name } });
    $("#features").append(box);
    return box;
  },
};
window.livecoreViewer = ui; // for people poking at the page, and for tests that simulate a network drop

function uuid() {
  return crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2);
}

// -- rendering -------------------------------------------------------------------------------------------
function renderAll() {
  const s = ui.state;
  $("#room-title").textContent = s.title || roomId;
  document.title = (s.title || roomId) + " · " + t("viewer_title");
  $("#online").textContent = compact(s.online ?? 0);
  $("#live-flag").hidden = !s.live;
  $("#ended").hidden = s.live !== false || !s.session;
  renderLikes();
  renderTop3();
  renderRank();
  renderPinned();
  renderProduct();
  renderCoupons();
  renderLottery();
  renderFeatures(ui.ctx);
  $("#stage").style.backgroundImage = s.cover ? `linear-gradient(#0005, #000b), url("${encodeURI(s.cover)}")` : "";
}

function renderLikes() {
  const shown = Math.max(Number(ui.state.likes ?? 0), ui.likesLocal);
  ui.likesLocal = shown;
  $("#likes").textContent = compact(shown);
}

function renderTop3() {
  const list = ui.state.top || []; // TopEntry: {user, name, value}, best first
  const ol = $("#top3");
  ol.replaceChildren(...list.slice(0, 3).map((c, i) => {
    const name = model.winnerName(c);
    return h("li", { title: `${name} ${money(c.value)}`, dataset: { user: model.winnerId(c) } },
      h("span.medal", { text: String(i + 1) }), h("span.name", { text: name }));
  }));
}

function renderRank() {
  const pos = ui.state.rank?.hot; // RankState: {hot, hourly, hourly_value}
  const el = $("#rank-flag");
  el.hidden = pos == null;
  if (pos != null) el.textContent = (lang === "en" ? "Hot #" : "人气榜 第") + pos + (lang === "en" ? "" : "名");
}

function renderPinned() {
  const p = ui.state.pinned;
  const el = $("#pinned");
  el.hidden = !p;
  if (p) el.textContent = "📌 " + p.text; // PinnedState: {msg, text, by, ts}
}

function renderProduct() {
  const p = ui.state.product;
  const card = $("#product");
  card.hidden = !p;
  const sale = model.saleFor(ui.state, p);
  if (!p && sale) card.hidden = false;
  if (p) {
    $("#product-title").textContent = p.title;
    $("#product-price").textContent = money(p.price);
    $("#product-list").textContent = p.list_price > p.price ? money(p.list_price) : "";
    const img = $("#product-img");
    img.hidden = !p.image;
    if (p.image) img.src = p.image;
  } else if (sale) {
    $("#product-title").textContent = sale.title || t("sales");
    $("#product-price").textContent = "";
    $("#product-list").textContent = "";
    $("#product-img").hidden = true;
  }
  renderSale(sale);
}

function renderSale(sale) {
  const box = $("#sale");
  const btn = $("#buy-btn");
  ui.sale = sale;
  box.hidden = !sale;
  if (!sale) {
    btn.hidden = true;
    return;
  }
  const ph = model.phase(sale);
  $("#sale-price").textContent = money(sale.price);
  const pct = sale.quantity ? Math.max(0, Math.min(100, (sale.stock / sale.quantity) * 100)) : 0;
  $("#stock-fill").style.width = pct + "%";
  $("#sale-stock").textContent = `${t("stock")} ${sale.stock} / ${sale.quantity}`;
  btn.hidden = false;
  setBuyButton(sale);
  tickClock();
}

/** Why this viewer cannot buy now (an i18n key), or null when the button may be pressed. */
function buyBlocked(sale) {
  const ph = model.phase(sale);
  if (ph === "scheduled") return "not_started";
  if (ph === "sold_out") return "sold_out";
  if (ph === "ended") return "ended";
  const per = Number(sale.perUser || 0);
  if (ui.limited.has(sale.id) || (per > 0 && (ui.bought.get(sale.id) || 0) >= per)) return "limit_reached";
  return null;
}

function setBuyButton(sale) {
  const btn = $("#buy-btn");
  const why = $("#buy-why");
  const blocked = buyBlocked(sale);
  const per = Number(sale.perUser || 0);
  // the button names the reason; under the limit it also says what the limit is
  why.textContent = blocked === "limit_reached" && per > 0 ? (lang === "en" ? `${per} per person` : `每人限购${per}件`) : "";
  if (btn.dataset.busy) return;
  btn.disabled = blocked !== null;
  btn.dataset.reason = blocked || "";
  btn.textContent = blocked ? t(blocked) : t("buy");
  btn.title = blocked ? t(blocked) : "";
}

function tickClock() {
  const sale = ui.sale;
  if (sale) {
    const ph = model.phase(sale);
    const now = Date.now();
    const el = $("#sale-clock");
    if (ph === "scheduled" && sale.startsAt) el.textContent = (lang === "en" ? "Starts in " : "距开始 ") + remaining(sale.startsAt - now);
    else if (ph === "started" && sale.endsAt) el.textContent = (lang === "en" ? "Ends in " : "距结束 ") + remaining(sale.endsAt - now);
    else el.textContent = t(ph === "started" ? "st_started" : ph);
    setBuyButton(sale);
  }
  if (claimableKey() !== ui.couponsShown) renderCoupons(); // a claim window opened or closed since the last frame
  const l = model.lottery(ui.state.lottery);
  if (l && l.endsAt && !l.winners) {
    const chip = $("#lottery-chip .when");
    if (chip) chip.textContent = remaining(l.endsAt - Date.now());
  }
}

function claimable(now = Date.now()) {
  return model.coupons(ui.state).filter((c) => model.claimable(c, now));
}

function claimableKey() {
  return claimable().map((c) => c.id).join(",");
}

function renderCoupons() {
  const box = $("#coupons");
  const list = claimable();
  ui.couponsShown = list.map((c) => c.id).join(",");
  box.replaceChildren(...list.map((c) => {
    const btn = h("button.chip.coupon-chip", { type: "button", dataset: { batch: c.id } },
      h("b", { text: model.couponLabel(c, money, lang) }), h("small", { text: `${t("claim")} · ${t("remaining")} ${c.remaining}` }));
    btn.addEventListener("click", () => claimCoupon(c, btn));
    return btn;
  }));
}

function renderLottery() {
  const l = model.lottery(ui.state.lottery);
  const chip = $("#lottery-chip");
  chip.hidden = !l || l.status === "cancelled";
  if (!l) return;
  chip.replaceChildren(h("span", { text: "🎁 " + t("lottery") }), h("b", { text: l.prize }),
    h("small.when", { text: l.winners ? t("drawn") : l.endsAt ? remaining(l.endsAt - Date.now()) : "" }));
}

// -- barrage -----------------------------------------------------------------------------------------------
function addLine(node, id) {
  const ul = $("#barrage");
  const li = h("li", { dataset: id ? { id } : {} }, node);
  ul.append(li);
  while (ul.children.length > 40) ul.firstElementChild.remove();
  ul.scrollTop = ul.scrollHeight;
}

function productName(id) {
  if (ui.state.product?.id === id) return ui.state.product.title;
  const sale = model.sales(ui.state).find((x) => x.product === id && x.title);
  return sale ? sale.title : lang === "en" ? "an item" : "好物";
}

const isHost = (e) => !!e.role && e.role !== "viewer"; // "viewer" is the default and left out on the wire

function onEvent(e) {
  featureEvent(ui.ctx, e);
  switch (e.type) {
    case "chat":
      addLine(h("span", {}, h("span.who" + (isHost(e) ? ".host" : ""), { text: (isHost(e) ? "👑" : "") + (e.name || e.user) + "：" }),
        h("span.text", { text: e.text })), e.id);
      break;
    case "gift": {
      const g = ui.gifts.find((x) => x.id === e.gift);
      addLine(h("span.gift-line", { text: `${e.name || e.user} ${t("gift_sent")} ${g ? (g.icon || "") + (lang === "en" ? g.en : g.zh) : e.gift} ×${e.count ?? 1}` }));
      break;
    }
    case "order":
      addLine(h("span.order-line", { text: `🛒 ${e.name || e.user} ${t("just_bought")} ${productName(e.product)}${e.qty > 1 ? " ×" + e.qty : ""}` }));
      break;
    case "system":
      addLine(h("span.system", { text: e.text }));
      break;
    case "moderation":
      if (e.action === "delete" && e.msg) document.querySelector(`#barrage li[data-id="${CSS.escape(e.msg)}"]`)?.remove();
      break;
    case "live":
      if (e.phase === "ended") toast(t("live_ended"));
      break;
    case "lottery":
      // the result pops up for those who took part; everyone else sees "drawn" on the chip and may open it
      if (e.phase === "drawn" && !ui.wonShown.has(e.lottery) && (ui.entered.has(e.lottery) || isWinner(e.data || {}))) {
        ui.wonShown.add(e.lottery);
        showLotteryResult(e.lottery, e.data || {});
      }
      break;
    default:
      break;
  }
}

// -- actions -----------------------------------------------------------------------------------------------
async function sendChat(ev) {
  ev.preventDefault();
  const input = $("#chat-input");
  const text = input.value.trim();
  if (!text) return;
  await sendText(text, $("#chat-send"));
}

/** A chat that is the open keyword lottery's keyword enters it (the server enters it the same way). */
function noteKeyword(text) {
  const l = model.lottery(ui.state.lottery);
  if (l && !l.winners && l.condition === "keyword" && l.keyword && text.trim() === l.keyword.trim()) markEntered(l.id);
}

function markEntered(id) {
  if (id) ui.entered.add(id);
}

function isWinner(data) {
  return (data.winners || []).some((w) => model.winnerId(w) === ui.me.user);
}

async function sendText(text, button) {
  const err = $("#chat-error");
  err.textContent = "";
  const done = await busy(button, async () => {
    try {
      chatAnswered(ui.ctx, text, await ui.socket.request({ type: "chat", text }, 8000));
    } catch (e) {
      if (e.code === "unavailable" && e.message === "no answer") return true; // accepted without an answer
      throw e;
    }
    return true;
  }, err);
  if (done) {
    $("#chat-input").value = "";
    noteKeyword(text);
  }
  return done;
}

function like() {
  ui.likesPending += 1;
  ui.likesLocal += 1;
  renderLikes();
  const btn = $("#like-btn");
  btn.classList.remove("pop");
  void btn.offsetWidth;
  btn.classList.add("pop");
  if (!ui.likeTimer) {
    ui.likeTimer = setTimeout(() => {
      const n = Math.min(100, ui.likesPending);
      ui.likesPending -= n;
      ui.likeTimer = null;
      if (n > 0) ui.socket.send({ type: "like", count: n });
    }, 300);
  }
}

async function sendGift(g, button) {
  await busy(button, async () => {
    await ui.socket.request({ type: "gift", gift: g.id, count: 1, key: uuid() });
    toast(`${t("gift_sent")} ${g.icon}`, "ok", 1500);
  });
}

async function buy() {
  const sale = ui.sale;
  if (!sale) return;
  const btn = $("#buy-btn");
  const out = $("#buy-result");
  btn.dataset.busy = "1";
  out.textContent = "";
  out.className = "outcome";
  try {
    await busy(btn, async () => {
      if (ui.state.product?.id) ui.socket.send({ type: "click", product: ui.state.product.id });
      let res;
      try {
        res = await ui.socket.request({ type: "buy", sale: sale.id, key: uuid(), qty: 1 });
      } catch (e) {
        if (e.code === "limit_reached") ui.limited.add(sale.id);
        throw e;
      }
      if (res.ok === false) {
        if (res.code === "limit_reached") ui.limited.add(sale.id);
        throw { code: res.code, message: res.message };
      }
      ui.bought.set(sale.id, (ui.bought.get(sale.id) || 0) + 1);
      ui.order = { id: res.order || res.order_id || res.id, sale: sale.id, amount: res.amount ?? sale.price };
      out.textContent = "✓ " + t("ordered");
      out.classList.add("ok");
      $("#pay-btn").hidden = !ui.order.id;
    }, out);
  } finally {
    delete btn.dataset.busy;
    renderProduct();
  }
}

async function openPay() {
  const order = ui.order;
  if (!order) return;
  const body = $("#sheet-body");
  const status = h("div.outcome");
  const select = h("select#pay-coupon", {}, h("option", { value: "", text: lang === "en" ? "No coupon" : "不使用优惠券" }));
  const discounts = new Map(); // claim id -> cents off this order
  try {
    const mine = await ui.api.get(`/api/rooms/${encodeURIComponent(roomId)}/coupons/mine?amount=${order.amount}`);
    for (const c of mine.coupons) { // held coupons usable on the order, best first, each with its discount
      discounts.set(c.claim, c.discount);
      select.append(h("option", { value: c.claim, text: `${model.couponLabel(c, money, lang)} -${money(c.discount)}` }));
    }
    if (mine?.best) select.value = mine.best;
  } catch { /* no coupons to offer */ }
  const payBtn = h("button.primary#pay-confirm", { type: "button" });
  const total = h("p.big#pay-total");
  const showTotal = () => { // the price after the chosen coupon, on the button and above it
    const due = model.afterCoupon(order.amount, discounts.get(select.value) || 0);
    payBtn.textContent = t("pay") + " " + money(due);
    total.replaceChildren(h("span", { text: money(due) }),
      due < order.amount ? h("s.list-price", { text: " " + money(order.amount) }) : null);
  };
  select.addEventListener("change", showTotal);
  showTotal();
  payBtn.addEventListener("click", async () => {
    await busy(payBtn, async () => {
      const res = await ui.api.post(`/api/orders/${encodeURIComponent(order.id)}/pay`, select.value ? { coupon: select.value } : {});
      const paid = res?.order?.paid_amount ?? res?.amount;
      status.textContent = "✓ " + t("paid") + (paid != null ? " " + money(paid) : "");
      status.classList.add("ok");
      $("#buy-result").textContent = "✓ " + t("paid");
      $("#pay-btn").hidden = true;
      payBtn.disabled = true;
      setTimeout(closeSheet, 1200);
    }, status);
    if (status.classList.contains("ok")) payBtn.disabled = true;
  });
  body.replaceChildren(h("h3", { text: t("pay") }), h("p", { text: `${t("product")}: ${ui.sale?.title || ui.state.product?.title || ""}` }),
    total, select, payBtn, status);
  $("#sheet").hidden = false;
}

function closeSheet() {
  $("#sheet").hidden = true;
}

async function claimCoupon(c, btn) {
  await busy(btn, async () => {
    const res = await ui.socket.request({ type: "claim", batch: c.id, key: uuid() });
    if (res.ok === false) throw { code: res.code, message: res.message };
    toast(`${t("claimed_ok")}：${model.couponLabel(c, money, lang)}`, "ok");
    btn.classList.add("done");
  });
}

function openLottery() {
  const l = model.lottery(ui.state.lottery);
  if (!l) return;
  if (l.winners) return showLotteryResult(l.id, l.raw);
  const body = $("#sheet-body");
  const out = h("div.outcome#lottery-outcome");
  if (ui.entered.has(l.id)) { out.textContent = "✓ " + t("entered"); out.classList.add("ok"); }
  const condText = {
    keyword: `${t("c_keyword")}「${l.keyword}」`, follow: t("c_follow"),
    watch: `${t("c_watch")} ≥ ${l.watchS}s`, purchase: t("c_purchase"),
  }[l.condition] || l.condition;
  const action = l.condition === "keyword"
    ? h("button.primary#lottery-go", { type: "button", text: `${t("send_keyword")}「${l.keyword}」` })
    : h("button.primary#lottery-go", { type: "button", text: t("enter") });
  action.addEventListener("click", async () => {
    if (l.condition === "keyword") {
      if (await sendText(l.keyword, action)) { out.textContent = "✓ " + t("entered"); out.classList.add("ok"); }
      return;
    }
    if (l.condition === "follow") ui.socket.send({ type: "follow" });
    await busy(action, async () => {
      const res = await ui.socket.request({ type: "enter", lottery: l.id });
      if (res.ok === false) {
        if (res.code === "already") markEntered(l.id);
        throw { code: res.code, message: res.message };
      }
      markEntered(l.id);
      out.textContent = "✓ " + t("entered");
      out.classList.add("ok");
    }, out);
  });
  body.replaceChildren(h("h3", { text: "🎁 " + t("lottery") }), h("p.big", { text: l.prize }),
    h("p", { text: `${t("winners")}: ${l.winnersWanted} · ${t("entries")}: ${l.entries}` }),
    h("p", { text: `${t("condition")}: ${condText}` }),
    l.endsAt ? h("p", { text: `${t("lottery_ends")} ${remaining(l.endsAt - Date.now())}` }) : null,
    action, out,
    l.seedHash ? h("p.mono", { text: `${t("seed_hash")}: ${l.seedHash}` }) : null);
  $("#sheet").hidden = false;
}

function showLotteryResult(id, data) {
  const winners = data.winners || [];
  const won = isWinner(data);
  const took = won || ui.entered.has(id);
  const body = $("#sheet-body");
  body.replaceChildren(
    h("h3#lottery-result", { dataset: { won: won ? "1" : took ? "0" : "" },
      text: won ? "🎉 " + t("you_won") : took ? t("you_lost") : "🎁 " + t("lottery_drawn") }),
    h("p.big", { text: data.prize || model.lottery(ui.state.lottery)?.prize || "" }),
    h("p.winner-names", { text: t("winners") + ": " + (winners.length ? winners.map((w) => model.winnerName(w, data.names)).join("、") : t("no_winner")) }),
    data.seed ? h("p.mono", { text: `${t("seed")}: ${data.seed}` }) : null,
    id ? h("a", { href: `/api/lotteries/${encodeURIComponent(id)}/verify`, target: "_blank", text: t("verify") }) : null);
  $("#sheet").hidden = false;
}

// -- start -------------------------------------------------------------------------------------------------
function setConn(status, detail) {
  const el = $("#conn");
  el.dataset.status = status;
  if (status !== "refused") {
    el.textContent = status === "connected" ? "" : t(status);
    return;
  }
  // refused: the socket will not reconnect by itself; say why and what to do (sign in again, for token codes)
  const code = detail?.code;
  const signIn = !code || code === 4501 || code === 4502;
  const why = reason(detail?.reason);
  const hint = signIn && !why.includes(t("sign_in_again")) ? ` — ${t("sign_in_again")}` : ""; // said once
  el.textContent = `${t("refused")}: ${why}${hint}`;
  if (signIn) forgetToken();
}

/** The gateway knows no such room (a mistyped link): say so, and stop trying. */
function roomMissing() {
  ui.socket.close();
  const el = $("#conn");
  el.dataset.status = "refused";
  el.dataset.code = "not_found";
  el.textContent = `${t("room_not_found")}: ${roomId} — ${t("check_link")}`;
  $("#room-title").textContent = roomId;
}

/** A fresh token for the same viewer after 4502 (demo mode only: elsewhere the app signs the viewer in again). */
async function renewToken(cfg) {
  if (!cfg.demo || !ui.me) return null;
  const role = ui.me.role || "viewer";
  return devLogin(ui.me.user, ui.me.name, role, role === "host" ? roomId : null);
}

async function start() {
  translate();
  if (!roomId) return;
  const cfg = await config().catch(() => ({ gateway_url: `ws://${location.hostname}:8765/ws`, demo: false }));
  let token = tokenFromPage();
  if (!token && cfg.demo) {
    const n = Math.floor(Math.random() * 9000 + 1000);
    token = await devLogin("guest" + n, (lang === "en" ? "Guest" : "观众") + n, "viewer", null);
  }
  if (!token) {
    setConn("refused", { reason: "unauthorized" });
    return;
  }
  const c = claims(token) || {};
  ui.me = { user: String(c.sub || ""), name: c.name || c.sub, role: c.role };
  ui.api = new Api(token);
  ui.api.get(`/api/rooms/${encodeURIComponent(roomId)}`).then((r) => {
    if (!ui.state.title) $("#room-title").textContent = r.title || roomId;
  }).catch((e) => { if (e.status === 404) toast(t("room_not_found"), "error"); });
  ui.api.get("/api/gifts").then((list) => {
    if (Array.isArray(list) && list.length) ui.gifts = list.map((g) => ({ ...g, icon: ICONS[g.id] || "🎁", zh: g.name, en: EN_GIFTS[g.id] || g.name }));
    renderGiftTray();
  }).catch(() => renderGiftTray());

  ui.socket = new RoomSocket({
    url: cfg.gateway_url, token, room: roomId,
    heartbeatMs: (cfg.heartbeat_s || 20) * 1000,
    renewToken: async () => {
      const fresh = await renewToken(cfg);
      if (fresh) ui.api = new Api(fresh);
      return fresh;
    },
    onSnapshot(state, { resync, resumed }) {
      ui.state = state;
      renderAll();
      if (resync) toast(t("resync"), "info", 2000);
      document.body.dataset.joined = String(Number(document.body.dataset.joined || 0) + 1);
      if (resumed) document.body.dataset.resumed = String(Number(document.body.dataset.resumed || 0) + 1);
    },
    onFrame(events, change) {
      ui.state = ui.socket.state;
      for (const e of events) onEvent(e);
      if (Object.keys(change).length) renderAll();
    },
    onStatus: setConn,
    onError(err) {
      if (err.code === "not_found" && !ui.socket.joined) return roomMissing(); // the join itself was refused
      toast(errorText(err), "error");
    },
  });
  ui.socket.connect();

  $("#chat-form").addEventListener("submit", sendChat);
  $("#like-btn").addEventListener("click", like);
  $("#buy-btn").addEventListener("click", buy);
  $("#pay-btn").addEventListener("click", openPay);
  $("#sheet-close").addEventListener("click", closeSheet);
  $("#lottery-chip").addEventListener("click", openLottery);
  $("#gift-btn").addEventListener("click", () => { $("#gift-tray").hidden = !$("#gift-tray").hidden; });
  setInterval(tickClock, 250);
  setInterval(() => tickFeatures(ui.ctx), 500);
  await loadFeatures("viewer");
  mountFeatures(ui.ctx);
  renderFeatures(ui.ctx);
}

function renderGiftTray() {
  const tray = $("#gift-tray");
  tray.replaceChildren(...ui.gifts.map((g) => {
    const b = h("button.gift", { type: "button", dataset: { gift: g.id } }, h("span.icon", { text: g.icon || "🎁" }),
      h("span", { text: lang === "en" ? g.en || g.id : g.zh || g.id }), g.price != null ? h("small", { text: money(g.price) }) : null);
    b.addEventListener("click", () => sendGift(g, b));
    return b;
  }));
}

start();
