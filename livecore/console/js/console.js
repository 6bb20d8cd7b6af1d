// The host console: one room, controlled with a host token for that room (an admin token works anywhere).
// HTTP for actions (each a host action, audited server-side), two WebSockets for what moves by itself:
// the room (barrage, stock, product on screen, lottery) and the host-only companion room (live metrics).
import { Api, config } from "./api.js";
import { claims, devLogin, forgetToken, rememberToken, tokenFromPage } from "./auth.js";
import { lineChart, Series } from "./charts.js";
import { $, $$, busy, clock, errorText, formData, h, remaining, toast } from "./dom.js";
import { compact, lang, money, reason, t, translate } from "./i18n.js";
import { RoomSocket } from "./live.js";
import { featureEvent, loadFeatures, mountFeatures, renderFeatures, tickFeatures } from "./features.js";
import * as model from "./model.js";

const params = new URLSearchParams(location.search);
const c = {
  room: null, api: null, me: null, state: {}, metrics: null, metricsAt: 0, products: [], sessions: [],
  socket: null, hostSocket: null, series: { online: new Series(), gmv: new Series() },
  lotteries: new Map(), salesExtra: new Map(), verified: new Map(),
};
window.livecoreConsole = c;

// what a feature's panel sees (livecore/console/js/features.js)
c.ctx = {
  page: "console",
  get room() { return c.room; },
  get api() { return c.api; },
  get state() { return c.state; },
  get me() { return c.me; },
  addTab(name, label) {
    const tab = h("button", { type: "button", role: "tab", dataset: { tab: name }, text: label });
    tab.addEventListener("click", () => selectTab(name));
    $(".tabs [data-tab=report]").before(tab);
    const pane = h("div.pane", { dataset: { pane: name } });
    pane.hidden = true;
    $(".pane[data-pane=report]").before(pane);
    return pane;
  },
};

const R = () => `/api/rooms/${encodeURIComponent(c.room)}`;
const cents = (yuan) => (yuan == null || yuan === "" ? null : Math.round(Number(yuan) * 100));

// -- sign-in -------------------------------------------------------------------------------------------------
function showSignin(refusal) {
  $("#app").hidden = true;
  $("#signin").hidden = false;
  $("#refusal").textContent = refusal || "";
}

async function start() {
  translate();
  const other = new URLSearchParams(location.search);
  other.set("lang", lang === "en" ? "zh" : "en");
  $("#lang-link").textContent = lang === "en" ? "中文" : "English";
  $("#lang-link").href = "?" + other.toString();
  const cfg = await config().catch(() => ({ gateway_url: `ws://${location.hostname}:8765/ws`, demo: false }));
  c.cfg = cfg;
  $("#demo-form").hidden = !cfg.demo;
  $("#token-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = formData(ev.target);
    if (!f.token) return;
    rememberToken(f.token.trim());
    open(f.token.trim(), f.room || null);
  });
  $("#demo-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = formData(ev.target);
    const token = await busy(ev.submitter, () => devLogin(f.user, f.name, "host", f.room), $("#refusal"));
    if (token) open(token, f.room);
  });
  const token = tokenFromPage();
  if (!token) return showSignin();
  open(token, params.get("room"));
}

async function open(token, roomParam) {
  const cl = claims(token);
  if (!cl) return showSignin(`${t("refused")}: ${reason("unauthorized")}`);
  c.room = roomParam || cl.room;
  if (!c.room) return showSignin(`${t("refused")}: ${lang === "en" ? "the token names no room; add ?room=" : "令牌未绑定直播间，请在链接中加 ?room="}`);
  c.api = new Api(token);
  c.token = token;
  let boot;
  try {
    boot = await c.api.get(`${R()}/console`);
  } catch (err) {
    if (err.status === 404) {
      showSignin(`${t("room_not_found")}: ${c.room}`);
      $("#create-room").hidden = false;
      $("#create-room-btn").onclick = (ev) => busy(ev.target, async () => {
        await c.api.post("/api/rooms", { id: c.room, title: c.room });
        location.reload();
      }, $("#refusal"));
      return;
    }
    if (err.status === 401 || err.status === 403) forgetToken();
    // the room id is what the person typed or followed: naming it tells them which room they may not manage
    if (err.code === "forbidden") return showSignin(`${t("refused")}: ${t("room_not_yours")}：${c.room}`);
    return showSignin(`${t("refused")}: ${errorText(err)}`);
  }
  c.me = boot.me;
  c.products = boot.products;
  c.sessions = boot.sessions;
  c.state = boot.state || {};
  c.roomRow = boot.room;
  $("#signin").hidden = true;
  $("#app").hidden = false;
  $("#me").textContent = `${boot.me.name} (${boot.me.role === "admin" ? "admin" : t("host")})`;
  const link = $("#viewer-link");
  link.hidden = false;
  link.href = `/room/${encodeURIComponent(c.room)}${lang === "en" ? "?lang=en" : ""}`;
  link.textContent = lang === "en" ? "Viewer page ↗" : "观众页 ↗";
  document.title = `${boot.room.title || c.room} · ${t("console_title")}`;
  $("#room-form").title.value = boot.room.title;
  $("#room-form").cover.value = boot.room.cover;
  $("#words-form").words.value = (boot.room.words || []).join("\n");
  renderMuted(boot.muted || []);
  c.api.get("/api/gifts").then((g) => { c.gifts = g; }).catch(() => {});
  wire();
  renderAll();
  connect();
  loadSales();
  loadLotteries();
  loadCoupons();
  renderSessions();
  prefillCharts();
  setInterval(tick, 500);
  setInterval(pollDashboard, 5000);
  pollDashboard();
  await loadFeatures("console");
  mountFeatures(c.ctx);
  renderFeatures(c.ctx);
}

function connect() {
  const url = c.cfg.gateway_url;
  c.socket = new RoomSocket({
    url, token: c.token, room: c.room,
    onSnapshot(state) { c.state = state; renderAll(); },
    onFrame(events, change) {
      c.state = c.socket.state;
      for (const e of events) onEvent(e);
      if (Object.keys(change).length) renderState(change);
    },
    onStatus(status, detail) {
      const el = $("#conn");
      el.dataset.status = status;
      el.textContent = status === "refused" ? `${t("refused")}: ${reason(detail?.reason)}` : t(status);
    },
    onError(err) { toast(errorText(err), "error"); },
  });
  c.socket.connect();
  c.hostSocket = new RoomSocket({
    url, token: c.token, room: "host:" + c.room,
    onSnapshot(state) { if (state.metrics) setMetrics(state.metrics); },
    onFrame(events, change) {
      if (change.metrics) setMetrics(change.metrics);
      for (const e of events) if (e.type === "moderation" && (e.action === "mute" || e.action === "unmute")) refreshMuted();
    },
  });
  c.hostSocket.connect();
}

// -- rendering ---------------------------------------------------------------------------------------------
function renderAll() {
  renderLive();
  renderDemoHost();
  renderProducts();
  renderSales();
  renderCoupons();
  renderLottery();
  renderPinned();
  renderFigures();
  if (c.state.top) renderContributors(c.state.top);
  if (c.state.rank) renderRankState(c.state.rank);
  renderFeatures(c.ctx);
}

function renderState(change) {
  const keys = Object.keys(change);
  const any = (pred) => keys.some(pred);
  if (any((k) => ["live", "title", "session"].includes(k))) renderLive();
  if (any((k) => k === "demo_host")) renderDemoHost();
  if (any((k) => k === "session")) { // a new show: its figures and curves, not the previous session's
    resetCharts();
    pollDashboard();
  }
  if (any((k) => k === "product")) renderProducts();
  if (any((k) => k.startsWith("sale:") || k.startsWith("stock:"))) renderSales();
  if (any((k) => k.startsWith("coupon:"))) renderCoupons();
  if (any((k) => k === "lottery")) renderLottery();
  if (any((k) => k === "pinned")) renderPinned();
  if (any((k) => ["online", "peak", "likes", "uv"].includes(k))) renderFigures();
  if (any((k) => k === "top")) renderContributors(c.state.top || []);
  if (any((k) => k === "rank")) renderRankState(c.state.rank);
  renderFeatures(c.ctx, change);
}

function renderLive() {
  const live = !!c.state.live;
  $("#room-name").textContent = c.state.title || c.roomRow?.title || c.room;
  const badge = $("#live-badge");
  badge.textContent = live ? "● " + t("live") : t("status_offline");
  badge.classList.toggle("on", live);
  const btn = $("#live-btn");
  btn.hidden = false;
  btn.textContent = live ? t("end_live") : t("go_live");
  btn.classList.toggle("primary", !live);
  btn.classList.toggle("danger", live);
}

/** The demo's scripted host (room state ``demo_host``): a switch to pause and resume it, only where there is one. */
function renderDemoHost() {
  const mode = c.state.demo_host;
  const btn = $("#demo-host-btn");
  btn.hidden = mode !== "running" && mode !== "paused";
  if (btn.hidden) return;
  btn.dataset.mode = mode;
  btn.textContent = mode === "running" ? `🤖 ${t("demo_host_running")} · ${t("pause")}` : `🤖 ${t("demo_host_paused")} · ${t("resume")}`;
  btn.title = t("demo_host_hint");
  btn.classList.toggle("on", mode === "running");
}

function renderProducts() {
  const onScreen = c.state.product?.id;
  const now = $("#screen-now");
  now.replaceChildren(onScreen
    ? h("div.row", {}, h("span.tag", { text: t("on_screen") }), h("b", { text: c.state.product.title }),
      h("span", { text: money(c.state.product.price) }),
      h("button", { type: "button", text: t("clear_screen"), onclick: (ev) => busy(ev.target, () => c.api.post(`${R()}/screen/clear`)) }))
    : h("span.muted", { text: lang === "en" ? "Nothing on screen" : "当前没有讲解商品" }));
  const ul = $("#products");
  if (!c.products.length) ul.replaceChildren(h("li.muted", { text: t("no_products") }));
  else ul.replaceChildren(...c.products.map((p) => {
    const li = h("li.item" + (p.id === onScreen ? ".active" : ""), { dataset: { product: p.id } },
      p.image ? h("img.thumb", { src: p.image, alt: "" }) : h("div.thumb"),
      h("div.grow", {}, h("div.name", { text: p.title }),
        h("div.muted", {}, money(p.price), p.list_price > p.price ? h("s", { text: " " + money(p.list_price) }) : null)),
      p.id === onScreen ? h("span.tag", { text: t("on_screen") })
        : h("button.primary", { type: "button", text: t("push"), dataset: { action: "push" },
          onclick: (ev) => busy(ev.target, async () => { await c.api.post(`${R()}/products/${encodeURIComponent(p.id)}/push`); }) }),
      h("button.danger", { type: "button", text: t("remove"),
        onclick: (ev) => busy(ev.target, async () => {
          await c.api.del(`${R()}/products/${encodeURIComponent(p.id)}`);
          c.products = c.products.filter((x) => x.id !== p.id);
          renderProducts();
        }) }));
    return li;
  }));
  const sel = $("#sale-form").product;
  const chosen = sel.value;
  sel.replaceChildren(...c.products.map((p) => h("option", { value: p.id, text: `${p.title} (${money(p.price)})` })));
  if (chosen) sel.value = chosen;
  else if (onScreen) sel.value = onScreen;
}

function allSales() {
  const byId = new Map();
  for (const s of c.salesExtra.values()) byId.set(s.id, s);
  for (const s of model.sales(c.state)) byId.set(s.id, s);
  return [...byId.values()].sort((a, b) => (b.startsAt || 0) - (a.startsAt || 0));
}

function renderSales() {
  const ul = $("#sales");
  const list = allSales();
  if (!list.length) return ul.replaceChildren(h("li.muted", { text: lang === "en" ? "No flash sale yet" : "还没有秒杀活动" }));
  ul.replaceChildren(...list.map((s) => {
    const ph = model.phase(s);
    const product = c.products.find((p) => p.id === s.product);
    const when = ph === "scheduled" ? `${t("starts")} ${remaining(s.startsAt - Date.now())}` : ph === "started" && s.endsAt ? `${t("ends")} ${remaining(s.endsAt - Date.now())}` : "";
    return h("li.item.sale-item", { dataset: { sale: s.id, phase: ph } },
      h("div.grow", {},
        h("div.name", {}, s.title || product?.title || s.product, " ", h("span.pill." + ph, { text: t("st_" + ph) })),
        h("div.figs", {},
          h("span", {}, money(s.price)),
          h("span", {}, t("stock"), " ", h("b.stock", { text: String(s.stock) }), ` / ${s.quantity}`),
          h("span", {}, t("sold"), " ", h("b.sold", { text: String(s.sold) })),
          h("span.when.muted", { text: when })),
        h("div.bar", {}, h("div", { style: `width:${s.quantity ? Math.round((s.sold / s.quantity) * 100) : 0}%` }))),
      ph === "scheduled" ? h("button.primary", { type: "button", text: t("start_now"), onclick: (ev) => busy(ev.target, () => saleAction(s.id, "start")) }) : null,
      ph !== "ended" ? h("button.danger", { type: "button", text: t("stop"), onclick: (ev) => busy(ev.target, () => saleAction(s.id, "stop")) }) : null);
  }));
}

async function saleAction(id, action) {
  const res = await c.api.post(`${R()}/sales/${encodeURIComponent(id)}/${action}`);
  if (res && res.id) c.salesExtra.set(res.id, model.sale(res, res.stock));
  renderSales();
}

async function loadSales() {
  try {
    const res = await c.api.get(`${R()}/sales`);
    for (const v of res) c.salesExtra.set(v.id, model.sale(v, v.stock)); // SaleState each
  } catch { /* sales not installed: the pane shows what the room state says */ }
  renderSales();
}

function renderCoupons() {
  const ul = $("#coupons");
  const byId = new Map();
  for (const [id, v] of c.couponsExtra || []) byId.set(id, v);
  for (const cp of model.coupons(c.state)) byId.set(cp.id, cp);
  const list = [...byId.values()];
  if (!list.length) return ul.replaceChildren(h("li.muted", { text: lang === "en" ? "No coupons issued" : "还没有发放优惠券" }));
  ul.replaceChildren(...list.map((cp) => h("li.item", { dataset: { batch: cp.id } },
    h("div.grow", {}, h("div.name", { text: model.couponLabel(cp, money, lang) }),
      h("div.figs", {}, h("span", {}, t("claimed"), " ", h("b.claimed", { text: String(cp.claimed) }), ` / ${cp.total}`),
        h("span", {}, t("remaining"), " ", h("b", { text: String(cp.remaining) })),
        cp.endsAt ? h("span.muted", { text: cp.endsAt > Date.now() ? `${t("ends")} ${remaining(cp.endsAt - Date.now())}` : t("ended") }) : null),
      h("div.bar", {}, h("div", { style: `width:${cp.total ? Math.round((cp.claimed / cp.total) * 100) : 0}%` }))))));
}

async function loadCoupons() {
  try {
    const res = await c.api.get(`${R()}/coupons`);
    c.couponsExtra = new Map(res.map((v) => [v.id, model.coupon(v)])); // CouponState each
  } catch { c.couponsExtra = new Map(); }
  renderCoupons();
}

function renderLottery() {
  const cur = model.lottery(c.state.lottery);
  if (cur && cur.id) c.lotteries.set(cur.id, { ...(c.lotteries.get(cur.id) || {}), ...cur });
  const box = $("#lottery-now");
  const shown = cur || [...c.lotteries.values()].at(-1);
  if (!shown) return box.replaceChildren(h("span.muted", { text: lang === "en" ? "No lottery yet" : "还没有福袋" }));
  box.replaceChildren(lotteryCard(shown));
}

function lotteryCard(l) {
  const drawn = !!l.winners || l.status === "drawn";
  const cond = { keyword: `${t("c_keyword")}「${l.keyword}」`, follow: t("c_follow"), watch: `${t("c_watch")} ≥ ${l.watchS}s`, purchase: t("c_purchase") }[l.condition] || l.condition;
  const verdict = c.verified.get(l.id); // kept across re-renders: the card is rebuilt on every lottery change
  const verifyOut = h("span.outcome.verify-out" + (verdict ? (verdict.ok ? ".ok" : ".error") : ""),
    { text: verdict ? verdict.text : "" });
  return h("div.lottery-card", { dataset: { lottery: l.id, status: drawn ? "drawn" : "open" } },
    h("div.row", {}, h("b", { text: "🎁 " + l.prize }), h("span.pill." + (drawn ? "ended" : "started"), { text: drawn ? t("drawn") : t("st_started") })),
    h("div.figs", {}, h("span", { text: `${t("winners")} ${l.winnersWanted}` }), h("span", { text: cond }),
      h("span", {}, t("entries"), " ", h("b.entries", { text: String(l.entries) })),
      !drawn && l.endsAt ? h("span.muted.when", { text: remaining(l.endsAt - Date.now()) }) : null),
    !drawn ? h("div.row", {}, h("button.primary.draw-btn", { type: "button", text: t("draw"),
      onclick: (ev) => busy(ev.target, async () => {
        const res = await c.api.post(`${R()}/lotteries/${encodeURIComponent(l.id)}/draw`);
        mergeLottery(l.id, res);
      }, ev.target.nextElementSibling) }), h("span.outcome")) : null,
    drawn ? h("div.winners", {}, h("span", { text: t("winners") + ": " }),
      h("b.winner-list", { text: (l.winners || []).length ? l.winners.map((w) => model.winnerName(w, l.names)).join("、") : t("no_winner") })) : null,
    h("div.verify", {},
      h("div.mono", {}, h("span.muted", { text: t("seed_hash") + ": " }), h("span.seed-hash", { text: l.seedHash || "-" })),
      drawn ? h("div.mono", {}, h("span.muted", { text: t("seed") + ": " }), h("span.seed", { text: l.seed || "-" })) : null,
      drawn ? h("div.row", {}, h("a.verify-link", { href: `/api/lotteries/${encodeURIComponent(l.id)}/verify`, target: "_blank", text: t("verify") + " ↗" }),
        h("button", { type: "button", text: t("verify"), onclick: (ev) => busy(ev.target, async () => {
          const res = await c.api.get(`/api/lotteries/${encodeURIComponent(l.id)}/verify`);
          const ok = res.ok === true;
          const text = ok ? "✓ " + t("verify_ok") : "✗ " + t("verify_bad") + (res.problems?.length ? ": " + res.problems.join("; ") : "");
          c.verified.set(l.id, { ok, text });
          for (const el of $$(`.lottery-card[data-lottery="${CSS.escape(l.id)}"] .verify-out`)) {
            el.textContent = text;
            el.className = "outcome verify-out " + (ok ? "ok" : "error");
          }
        }, verifyOut) }), verifyOut) : null));
}

function mergeLottery(id, data) {
  if (!data) return;
  const l = model.lottery({ ...(c.lotteries.get(id)?.raw || {}), ...data, id });
  c.lotteries.set(id, l);
  $("#lottery-now").replaceChildren(lotteryCard(l));
}

async function loadLotteries() {
  try {
    const res = await c.api.get(`${R()}/lotteries`);
    for (const v of res) { // the lotteries' records: the count of entries is the one recorded at the draw
      const l = model.lottery({ ...v, entries: v.entries_count });
      if (l?.id) c.lotteries.set(l.id, l);
    }
  } catch { /* promotions not installed */ }
  renderLottery();
}

function renderPinned() {
  const p = c.state.pinned;
  const box = $("#pinned-now");
  box.hidden = !p;
  if (p) box.replaceChildren(h("span", { text: "📌 " + (p.text || p.msg || "") }),
    h("button", { type: "button", text: t("unpin"), onclick: (ev) => busy(ev.target, () => c.api.post(`${R()}/pin`, {})) }));
}

function renderMuted(list) {
  $("#muted-count").textContent = list.length ? `(${list.length})` : "";
  $("#muted").replaceChildren(...list.map((m) => h("li.row", { dataset: { user: m.user } },
    h("span.grow.person", { text: m.name || m.user, title: m.user }),
    h("span.muted", { text: `${lang === "en" ? "until" : "至"} ${clock(m.until)}` }),
    h("button", { type: "button", text: t("unmute"), onclick: (ev) => busy(ev.target, async () => {
      await c.api.post(`${R()}/unmute`, { user: m.user });
      refreshMuted();
    }) }))));
}

async function refreshMuted() {
  try { renderMuted(await c.api.get(`${R()}/muted`)); } catch { /* shown on the next action */ }
}

// -- barrage stream with moderation ---------------------------------------------------------------------------
const isHost = (e) => !!e.role && e.role !== "viewer"; // "viewer" is the default and left out on the wire

function onEvent(e) {
  featureEvent(c.ctx, e);
  const ul = $("#stream");
  let li = null;
  if (e.type === "chat") {
    li = h("li.msg", { dataset: { id: e.id, user: e.user } },
      h("div", {}, h("span.who", { text: (e.name || e.user) + (isHost(e) ? " 👑" : "") }), " ", h("span.text", { text: e.text })),
      h("div.acts", {},
        h("button", { type: "button", text: t("delete"), dataset: { action: "delete" }, onclick: (ev) => busy(ev.target, async () => {
          await c.api.post(`${R()}/messages/${encodeURIComponent(e.id)}/delete`);
        }) }),
        h("button", { type: "button", text: t("pin"), dataset: { action: "pin" }, onclick: (ev) => busy(ev.target, () => c.api.post(`${R()}/pin`, { msg: e.id, text: `${e.name || e.user}：${e.text}` })) }),
        !isHost(e) ? h("button.danger", { type: "button", text: t("mute"), dataset: { action: "mute" }, onclick: (ev) => busy(ev.target, async () => {
          await c.api.post(`${R()}/mute`, { user: e.user, seconds: 600 });
          toast(`${t("mute")}: ${e.name || e.user}`, "ok");
          refreshMuted();
        }) }) : null));
  } else if (e.type === "gift") {
    const g = (c.gifts || []).find((x) => x.id === e.gift);
    li = h("li.msg.gift", {}, `🎁 ${e.name || e.user} ${t("gift_sent")} ${g ? g.name : e.gift} ×${e.count ?? 1} (${money(e.value)})`);
  } else if (e.type === "order") {
    li = h("li.msg.order", {}, `🛒 ${e.name || e.user} ${t("just_bought")} ${c.products.find((p) => p.id === e.product)?.title || e.product}${e.qty > 1 ? " ×" + e.qty : ""}`);
  } else if (e.type === "moderation" && e.action === "delete") {
    const gone = ul.querySelector(`li[data-id="${CSS.escape(e.msg)}"]`);
    if (gone) { gone.classList.add("deleted"); gone.querySelector(".acts")?.remove(); }
  } else if (e.type === "lottery") {
    if (e.data) mergeLottery(e.lottery, { ...e.data, status: e.phase });
  } else if (e.type === "sale") {
    if (e.data && e.sale) c.salesExtra.set(e.sale, model.sale({ ...e.data, status: e.phase === "started" ? "active" : e.phase }, c.state["stock:" + e.sale]));
    renderSales();
  } else if (e.type === "live") {
    if (e.phase === "ended") reloadSessions();
  }
  if (li) {
    const stick = ul.scrollHeight - ul.scrollTop - ul.clientHeight < 40;
    ul.append(li);
    while (ul.children.length > 300) ul.firstElementChild.remove();
    if (stick) ul.scrollTop = ul.scrollHeight;
  }
}

// -- dashboard ---------------------------------------------------------------------------------------------------
function trendText(ch) {
  if (!ch) return "";
  const tr = ch.trend || (ch.delta > 0 ? "up" : ch.delta < 0 ? "down" : "flat");
  const arrow = tr === "up" ? "▲" : tr === "down" ? "▼" : "▬";
  const pct = ch.pct == null ? "" : ` ${Math.abs(Math.round(ch.pct * (Math.abs(ch.pct) <= 10 ? 100 : 1)))}%`;
  return { text: `${arrow}${pct}`, cls: tr };
}

function setTrend(id, ch) {
  const el = $(id);
  if (!el) return;
  const v = trendText(ch);
  el.textContent = v.text || "";
  el.className = "trend " + (v.cls || "");
  el.title = ch ? (lang === "en" ? `last 10 min ${ch.last} vs previous ${ch.previous}` : `近10分钟 ${ch.last} / 前10分钟 ${ch.previous}`) : "";
}

function setMetrics(m) {
  const old = c.metrics;
  if (old && m.session === old.session && m.ts != null && old.ts != null && m.ts < old.ts) return; // older than what we show
  c.metrics = m;
  c.metricsAt = Date.now();
  // money moved: the contributor and product rankings (fetched, not pushed) follow at once, so GMV and the
  // product ranking never disagree on screen for the seconds until the next poll
  if (old && (m.gmv !== old.gmv || m.gift_value !== old.gift_value)) refreshRankings();
  renderFigures();
  const ch = m.change || {};
  setTrend("#t-likes", ch.likes);
  setTrend("#t-gmv", ch.gmv);
  setTrend("#t-orders", ch.orders);
  setTrend("#t-enters", ch.enters);
  setTrend("#t-comments", ch.comments);
  renderFunnel(m.funnel);
}

function renderFigures() {
  const m = c.metrics || {};
  const s = c.state;
  const online = m.online ?? s.online ?? 0;
  $("#m-online").textContent = compact(online);
  $("#m-peak").textContent = compact(Math.max(m.peak ?? 0, s.peak ?? 0, online));
  $("#m-likes").textContent = compact(Math.max(m.likes ?? 0, s.likes ?? 0));
  $("#m-gmv").textContent = money(m.gmv ?? 0);
  $("#m-orders").textContent = compact(m.orders ?? 0);
  $("#m-uv").textContent = compact(m.uv ?? s.uv ?? 0);
  $("#m-comments").textContent = compact(m.comments ?? 0);
  const now = Date.now();
  const current = !m.session || !s.session || m.session === s.session; // figures of an older session stay off the curves
  if (s.live !== false) c.series.online.add(now, online);
  if (m.gmv != null && current) c.series.gmv.add(now, m.gmv);
  drawCharts();
}

/** The charts cover the current live session only: a new session starts them again. */
function resetCharts() {
  c.series = { online: new Series(), gmv: new Series() };
  c.chartSession = c.state.session || null;
  prefillCharts();
  drawCharts();
}

/** The session so far, minute by minute (persisted snapshots), so the charts start with history, not empty. */
async function prefillCharts() {
  if (!c.state.live || !c.state.session) return;
  const session = c.state.session;
  let rep;
  try {
    rep = await c.api.get(`${R()}/sessions/${encodeURIComponent(session)}/report`);
  } catch { return; }
  if (c.state.session !== session) return; // another session began meanwhile
  const cv = rep?.curves || {};
  const xs = (cv.minutes || []).map(model.ms);
  let gmv = 0;
  const online = [], money_ = [];
  xs.forEach((x, i) => {
    if (x == null || x > Date.now() - 60000) return; // the running minute comes from live samples
    online.push([x, Number(cv.online?.[i] ?? 0)]);
    gmv += Number(cv.gmv?.[i] ?? 0);
    money_.push([x, gmv]);
  });
  c.series.online.points = [...online, ...c.series.online.points];
  c.series.gmv.points = [...money_, ...c.series.gmv.points];
  drawCharts();
}

function drawCharts() {
  lineChart($("#chart-online"), c.series.online.points, { color: "#0a84ff", label: t("chart_online"), format: compact });
  lineChart($("#chart-gmv"), c.series.gmv.points, { color: "#ff2d55", label: t("chart_gmv"), format: (v) => money(v), minMax: 10000 });
}

function renderFunnel(steps) {
  if (!Array.isArray(steps)) return;
  const max = Math.max(1, ...steps.map((s) => s.users || 0));
  $("#funnel").replaceChildren(...steps.map((s, i) => h("div.fstep", { dataset: { step: s.step } },
    h("span.fname", { text: t("f_" + s.step) }),
    h("div.fbar", {}, h("div", { style: `width:${Math.round(((s.users || 0) / max) * 100)}%` })),
    h("b", { text: compact(s.users || 0) }),
    h("small.muted", { text: i === 0 || s.ratio == null ? "" : `${Math.round(s.ratio * 1000) / 10}%` }))));
}

/** Contributors, best first: the ``top`` state (TopEntry) or GET /contributors' list, both {user, name, value}. */
function renderContributors(items) {
  $("#contributors").replaceChildren(...items.slice(0, 5).map((x) => h("li", { dataset: { user: model.winnerId(x) } }, h("span.grow.person", { text: model.winnerName(x), title: model.winnerId(x) }), h("span", { text: money(x.value) }))));
}

function renderProductRank(p) {
  const items = Array.isArray(p) ? p : p?.by_gmv || [];
  $("#product-rank").replaceChildren(...items.slice(0, 5).map((x) => {
    const prod = c.products.find((q) => q.id === x.product);
    return h("li", {}, h("span.grow", { text: prod?.title || x.title || x.product }), h("span", { text: money(x.gmv ?? x.value ?? 0) }));
  }));
}

/** The ``rank`` state (RankState: the positions; the number of rooms ranked is the last GET /rank's). */
function renderRankState(r) {
  if (r) renderRank(r.hot, r.hourly);
}

/** GET /rank: {hot: {position, of, value}, hourly: {position, ...}}. */
function renderRankAnswer(r) {
  if (r.hot.of) c.rankOf = r.hot.of;
  renderRank(r.hot.position, r.hourly.position);
}

function renderRank(pos, hpos) {
  $("#platform-rank").textContent = pos == null ? "-" : (lang === "en" ? `#${pos}` : `第${pos}名`) + (c.rankOf ? ` / ${c.rankOf}` : "");
  $("#hourly-rank").textContent = hpos ? (lang === "en" ? `hourly #${hpos}` : `小时榜 第${hpos}名`) : "";
}

function renderCloud(kw) {
  const items = (Array.isArray(kw) ? kw : kw?.top || kw?.keywords || []).map((x) => Array.isArray(x) ? { word: x[0], weight: x[1] } : { word: x.word ?? x.text, weight: x.weight ?? x.count ?? 1 });
  const max = Math.max(1e-9, ...items.map((x) => x.weight));
  const palette = ["#ff2d55", "#ff9500", "#ffd60a", "#34c759", "#0a84ff", "#bf5af2", "#e8eaed"];
  $("#cloud").replaceChildren(...items.slice(0, 30).map((x, i) => h("span", {
    style: `font-size:${Math.round(11 + 15 * (x.weight / max))}px;color:${palette[i % palette.length]}`, text: x.word })));
}

async function refreshRankings() {
  const get = (p) => c.api.get(`${R()}${p}`).catch(() => null);
  const [contributors, products] = await Promise.all([get("/contributors?n=5"), get("/products/ranking")]);
  if (contributors) renderContributors(contributors.contributors);
  if (products) renderProductRank(products);
}

async function pollDashboard() {
  // what the worker does not push as state: the ranking lists and keywords (cheap GETs every few seconds)
  const get = (p) => c.api.get(`${R()}${p}`).catch(() => null);
  const [, keywords, rank] = await Promise.all([refreshRankings(), get("/keywords"), get("/rank")]);
  if (keywords) renderCloud(keywords);
  if (rank) renderRankAnswer(rank);
  // The worker pushes metrics to the host room when they change. Ask over HTTP as well when nothing came yet,
  // when what is shown belongs to another session (the show just started), or when pushes have been quiet
  // for a while (no worker running, or a quiet room): a dashboard never stays stuck on old figures.
  const m0 = c.metrics;
  const session = c.state.session || "-";
  if (!m0 || (m0.session || "-") !== session || Date.now() - c.metricsAt > 8000) {
    const m = await get("/metrics");
    if (m) setMetrics(m);
  }
}

// -- sessions and reports ------------------------------------------------------------------------------------
async function reloadSessions() {
  try { c.sessions = await c.api.get(`${R()}/sessions`); } catch { /* keep the old list */ }
  renderSessions();
}

function renderSessions() {
  const ul = $("#sessions");
  const ended = c.sessions.filter((s) => s.ended_at);
  if (!ended.length) return ul.replaceChildren(h("li.muted", { text: t("no_sessions") }));
  ul.replaceChildren(...ended.map((s) => h("li.item", { dataset: { session: s.id } },
    h("div.grow", {}, h("div.name", { text: s.title || s.id }),
      h("div.muted", { text: `${new Date(s.started_at).toLocaleString(lang === "en" ? "en-GB" : "zh-CN")} – ${clock(s.ended_at)}` })),
    h("button", { type: "button", text: t("view_report"), onclick: (ev) => busy(ev.target, () => showReport(s), $("#report")) }))));
}

function duration(seconds) {
  if (seconds == null) return "-";
  const hh = Math.floor(seconds / 3600), mm = Math.floor((seconds % 3600) / 60), ss = Math.floor(seconds % 60);
  const two = (n) => String(n).padStart(2, "0");
  return hh ? `${hh}:${two(mm)}:${two(ss)}` : `${mm}:${two(ss)}`;
}

/** A list, or the list under ``key`` of an object (the report nests some of its rankings). */
function asList(v, key) {
  if (Array.isArray(v)) return v;
  if (v && Array.isArray(v[key])) return v[key];
  return [];
}

async function showReport(s) {
  const base = `${R()}/sessions/${encodeURIComponent(s.id)}/report`;
  const rep = await c.api.get(base);
  const box = $("#report");
  const curves = rep.curves || rep.minutes || {};
  const series = (name) => {
    const v = curves[name] || [];
    const xs = curves.minutes || curves.t || [];
    return v.map((y, i) => Array.isArray(y) ? [model.ms(y[0]), Number(y[1])] : [model.ms(xs[i]) ?? i * 60000, Number(y ?? 0)]);
  };
  const canvases = ["online", "gmv", "orders", "likes"].map((name) => {
    const cv = h("canvas.report-chart", { dataset: { curve: name } });
    return [cv, name];
  });
  const funnel = h("div.funnel");
  const f = rep.figures || {};
  const fig = (key, value) => h("div.card.report-fig", { dataset: { fig: key } }, h("div.label", { text: t(key === "duration_s" ? "duration" : key === "avg_watch_s" ? "avg_watch" : key === "peak_online" ? "peak" : key) }), h("b", { text: value }));
  box.replaceChildren(h("h4", { text: `${t("report")} · ${s.title || s.id}` }),
    h("div.report-figs", {}, fig("gmv", money(f.gmv ?? rep.totals?.gmv ?? 0)), fig("orders", compact(f.orders ?? rep.totals?.orders ?? 0)),
      fig("peak_online", compact(f.peak_online ?? rep.peak_online ?? 0)), fig("duration_s", duration(f.duration_s)),
      fig("avg_watch_s", f.avg_watch_s != null ? `${f.avg_watch_s}${lang === "en" ? " s" : " 秒"}` : "-")),
    h("div.report-grid", {}, ...canvases.map(([cv]) => cv)),
    h("h4", { text: t("funnel") }), funnel,
    h("div.two", {},
      h("div", {}, h("h4", { text: t("top_products") }), h("ol.rank-list", {}, ...(asList(rep.top_products, "by_gmv").slice(0, 5).map((x) => h("li", {}, h("span.grow", { text: c.products.find((p) => p.id === x.product)?.title || x.product }), h("span", { text: money(x.gmv ?? 0) })))))),
      h("div", {}, h("h4", { text: t("top_contributors") }), h("ol.rank-list", {}, ...(asList(rep.top_contributors, "contributors").slice(0, 5).map((x) => h("li", {}, h("span.grow.person", { text: model.winnerName(x), title: model.winnerId(x) }), h("span", { text: money(x.value ?? 0) }))))))),
    h("img.report-png", { src: `${base}.png?token=${encodeURIComponent(c.token)}&lang=${lang}`, alt: t("curves") }));
  const colors = { online: "#0a84ff", gmv: "#ff2d55", orders: "#34c759", likes: "#ff9500" };
  for (const [cv, name] of canvases) lineChart(cv, series(name), { color: colors[name], label: t(name === "online" ? "chart_online" : name), format: name === "gmv" ? money : compact });
  const old = $("#funnel");
  const steps = asList(rep.funnel, "steps");
  if (Array.isArray(steps)) {
    const max = Math.max(1, ...steps.map((x) => x.users || 0));
    funnel.replaceChildren(...steps.map((x, i) => h("div.fstep", {}, h("span.fname", { text: t("f_" + x.step) }),
      h("div.fbar", {}, h("div", { style: `width:${Math.round(((x.users || 0) / max) * 100)}%` })), h("b", { text: compact(x.users || 0) }),
      h("small.muted", { text: i === 0 || x.ratio == null ? "" : `${Math.round(x.ratio * 1000) / 10}%` }))));
  }
  void old;
}

// -- actions --------------------------------------------------------------------------------------------------
function wire() {
  for (const tab of $$(".tabs [data-tab]")) {
    tab.addEventListener("click", () => selectTab(tab.dataset.tab));
  }
  selectTab("products");

  $("#demo-host-btn").addEventListener("click", (ev) => {
    const next = c.state.demo_host === "running" ? "paused" : "running";
    busy(ev.target, async () => {
      const res = await c.api.post(`${R()}/demo/host`, { mode: next });
      c.state = { ...c.state, demo_host: res?.mode ?? next }; // the room state follows within a tick
      renderDemoHost();
    }, $("#live-msg"));
  });

  $("#live-btn").addEventListener("click", (ev) => {
    const live = !!c.state.live;
    if (live && !confirm(t("confirm_end"))) return;
    busy(ev.target, async () => {
      await c.api.post(`${R()}/live/${live ? "end" : "start"}`, live ? {} : { title: c.state.title || c.roomRow.title });
      await reloadSessions();
    }, $("#live-msg"));
  });

  $("#product-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const f = formData(form);
    busy(ev.submitter, async () => {
      const p = await c.api.post(`${R()}/products`, { title: f.title, price: cents(f.price), list_price: cents(f.list_price), image: f.image });
      c.products.push(p);
      renderProducts();
      form.reset();
      form.querySelector(".outcome").textContent = "✓ " + t("saved");
      form.querySelector(".outcome").className = "outcome ok";
    }, form.querySelector(".outcome"));
  });

  $("#sale-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const f = formData(form);
    const now = ev.submitter?.value === "1";
    const product = c.products.find((p) => p.id === f.product);
    const startsAt = Date.now() + (now ? 0 : Math.max(0, Number(f.start_in || 0)) * 1000);
    busy(ev.submitter, async () => {
      const res = await c.api.post(`${R()}/sales`, {
        product: f.product, sku: product?.skus?.[0]?.id || "", title: product?.title || "", price: cents(f.price),
        quantity: Number(f.quantity), per_user: Number(f.per_user),
        starts_at: now ? null : startsAt, ends_at: startsAt + Number(f.duration) * 1000,
      });
      if (res && res.id) {
        c.salesExtra.set(res.id, model.sale(res, res.stock));
        if (now && model.phase(c.salesExtra.get(res.id)) === "scheduled") await saleAction(res.id, "start");
      }
      renderSales();
      form.querySelector(".outcome").textContent = "✓ " + t("saved");
      form.querySelector(".outcome").className = "outcome ok";
    }, form.querySelector(".outcome"));
  });

  $("#coupon-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const f = formData(form);
    const startsAt = Date.now();
    busy(ev.submitter, async () => {
      const res = await c.api.post(`${R()}/coupons`, {
        kind: f.kind, amount: f.kind === "percent" ? 0 : cents(f.amount), threshold: f.kind === "threshold" ? cents(f.threshold) : 0,
        percent: f.kind === "percent" ? Number(f.percent) : 0, total: Number(f.total), per_user: Number(f.per_user),
        starts_at: startsAt, ends_at: startsAt + Number(f.window) * 1000, valid_for_s: Number(f.valid),
      });
      if (res && res.id) { (c.couponsExtra ||= new Map()).set(res.id, model.coupon(res)); renderCoupons(); }
      form.querySelector(".outcome").textContent = "✓ " + t("saved");
      form.querySelector(".outcome").className = "outcome ok";
    }, form.querySelector(".outcome"));
  });

  $("#lottery-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const f = formData(form);
    busy(ev.submitter, async () => {
      const res = await c.api.post(`${R()}/lotteries`, {
        prize: f.prize, winners: Number(f.winners), condition: f.condition,
        keyword: f.condition === "keyword" ? f.keyword : "", watch_s: f.condition === "watch" ? Number(f.watch_s) : 0,
        ends_at: Date.now() + Number(f.duration) * 1000,
      });
      if (res && res.id) mergeLottery(res.id, res);
      form.querySelector(".outcome").textContent = "✓ " + t("saved");
      form.querySelector(".outcome").className = "outcome ok";
    }, form.querySelector(".outcome"));
  });

  $("#room-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const f = formData(form);
    busy(ev.submitter, async () => {
      c.roomRow = await c.api.patch(R(), { title: f.title, cover: f.cover });
      form.querySelector(".outcome").textContent = "✓ " + t("saved");
      form.querySelector(".outcome").className = "outcome ok";
      renderCover();
    }, form.querySelector(".outcome"));
  });
  $("#room-form").cover.addEventListener("change", renderCover);
  renderCover();

  $("#words-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = ev.target;
    busy(ev.submitter, async () => {
      const res = await c.api.put(`${R()}/words`, { words: form.words.value.split(/\n|,|，/) });
      form.words.value = res.words.join("\n");
      form.querySelector(".outcome").textContent = "✓ " + t("saved");
      form.querySelector(".outcome").className = "outcome ok";
    }, form.querySelector(".outcome"));
  });
}

function renderCover() {
  const url = $("#room-form").cover.value.trim();
  const img = $("#cover-preview");
  img.hidden = !url;
  if (url) img.src = url;
}

function selectTab(name) {
  for (const tab of $$(".tabs [data-tab]")) tab.classList.toggle("on", tab.dataset.tab === name);
  for (const pane of $$(".pane")) pane.hidden = pane.dataset.pane !== name;
}

function tick() {
  // countdowns move every half second without waiting for a frame
  tickFeatures(c.ctx);
  for (const li of $$("#sales li[data-sale]")) {
    const s = allSales().find((x) => x.id === li.dataset.sale);
    if (!s) continue;
    const ph = model.phase(s);
    if (ph !== li.dataset.phase) { renderSales(); return; }
    const w = li.querySelector(".when");
    if (w) w.textContent = ph === "scheduled" ? `${t("starts")} ${remaining(s.startsAt - Date.now())}` : ph === "started" && s.endsAt ? `${t("ends")} ${remaining(s.endsAt - Date.now())}` : "";
  }
  const l = model.lottery(c.state.lottery);
  const w = $("#lottery-now .when");
  if (l && w && l.endsAt) w.textContent = remaining(l.endsAt - Date.now());
}

start();
