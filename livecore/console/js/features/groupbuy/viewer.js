// Group-buy (拼团) on the viewer page: a chip per open deal; tapping it opens a sheet where the viewer starts a
// group, sees their group live (members, 差N人, countdown) and joins an open one with a tap. The invite control
// copies a share link of the group (/room/<room>?share=<code>&group=<id>, the code made by the share feature);
// a page opened through one opens the sheet on that group with a one-tap join that carries the code, so the join
// is attributed to the friend who shared it. Once the group is complete, each member pays their order here within
// the payment window (a countdown to the group's pay_by), or the order lapses.
import { register } from "../../features.js";
import { $, busy, h, remaining, toast } from "../../dom.js";
import { money, t } from "../../i18n.js";
import { countShare, fromPage, shareLink } from "../share/links.js";
import { addStyles, dealsOf, need, words } from "./words.js";

const page = fromPage();
const linked = page.group;
// the code a join sends: a group link's code with a join of that group, a room link's with any join
const viaCode = (groupId) => (/^[0-9A-Za-z]{8,120}$/.test(page.share || "") && (!linked || linked === groupId) ? page.share : null);
const my = new Map(); // group id -> the group as last seen (opened or joined here, or the linked one)
let chips = null;
let sheet = null;
let shownDeal = null;
const told = new Set(); // groups whose completion this page already announced

const key = () => (crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2));
const R = (ctx) => `/api/rooms/${encodeURIComponent(ctx.room)}`;
const amIn = (ctx, g) => !!ctx.me && (g.members || []).some((m) => m.user === ctx.me.user);

const invites = new Map(); // group id -> its share link, made once per page

async function invite(ctx, groupId) {
  let url = invites.get(groupId);
  if (!url) {
    url = await shareLink(ctx, { channel: "link", group: groupId });
    invites.set(groupId, url);
  }
  draw(ctx); // the card shows the link from now on (the sheet may have been redrawn meanwhile)
  let copied = false;
  try { await navigator.clipboard.writeText(url); copied = true; } catch { copied = false; }
  toast(copied ? t("gb_copied") : t("gb_copy_manual"), copied ? "ok" : "info", 1500);
  sheet?.querySelector(`[data-group="${CSS.escape(groupId)}"] .gb-link`)?.select();
  countShare(ctx, "link");
}

async function refresh(ctx, id) {
  try {
    const g = await ctx.api.get(`${R(ctx)}/groups/${encodeURIComponent(id)}`);
    my.set(id, g);
    return g;
  } catch (err) {
    console.debug("group", id, err);
    return null;
  }
}

function members(g) {
  const slots = [];
  for (const m of g.members || []) slots.push(h("span.gb-face", { title: m.name, text: (m.name || m.user).slice(0, 1) }));
  for (let i = (g.members || []).length; i < g.size; i++) slots.push(h("span.gb-face.empty", { text: "?" }));
  return h("div.gb-faces", {}, slots, h("span.gb-names", { text: (g.members || []).map((m) => m.name || m.user).join("、") }));
}

function groupStatus(g) {
  if (g.status === "complete") return h("b.gb-ok", { dataset: { testid: "gb-status" }, text: t("gb_complete") });
  if (g.status === "dissolved") return h("b.gb-bad", { dataset: { testid: "gb-status" }, text: t("gb_dissolved") });
  return h("b.gb-need", { dataset: { testid: "gb-status" }, text: need(t, g.need) });
}

function countdown(g) {
  return g.status === "open" ? h("small.gb-count", { dataset: { deadline: String(g.deadline) }, text: remaining(g.deadline - Date.now()) }) : null;
}

async function join(ctx, groupId, button, where) {
  const msg = { type: "group_join", group: groupId, key: key() };
  const code = viaCode(groupId);
  if (code) msg.share = code;
  const res = await busy(button, () => ctx.request(msg), where);
  if (!res) return;
  if (res.status === "complete") told.add(groupId);
  toast(res.status === "complete" ? t("gb_completed_toast") : t("gb_joined_ok"), "ok");
  await refresh(ctx, groupId);
  draw(ctx);
}

async function open(ctx, deal, button, where) {
  const res = await busy(button, () => ctx.request({ type: "group_open", deal: deal.id, key: key() }), where);
  if (!res) return;
  toast(t("gb_opened_ok"), "ok");
  await refresh(ctx, res.group);
  draw(ctx);
}

async function pay(ctx, g, button, where) {
  const res = await busy(button, () => ctx.api.post(`${R(ctx)}/groups/${encodeURIComponent(g.id)}/pay`), where);
  if (!res) return;
  toast(t("gb_paid_ok"), "ok");
  await refresh(ctx, g.id);
  draw(ctx);
}

/** A complete group's payment row for the viewer's own order: pay (with the window's countdown), paid, or lapsed. */
function payment(ctx, g) {
  const me = (g.members || []).find((m) => ctx.me && m.user === ctx.me.user);
  if (g.status !== "complete" || !me) return null;
  if (me.payment === "paid") return h("div.row", {}, h("b.gb-ok", { dataset: { testid: "gb-paid" }, text: t("gb_paid") }));
  if (me.payment === "lapsed" || g.pay_by <= Date.now()) {
    return h("div.row", {}, h("b.gb-bad", { dataset: { testid: "gb-lapsed" }, text: t("gb_lapsed") }));
  }
  const out = h("span.outcome");
  const b = h("button.primary", { type: "button", dataset: { testid: "gb-pay" }, text: `${t("gb_pay")} ${money(g.price)}` });
  b.addEventListener("click", () => pay(ctx, g, b, out));
  return h("div.row", {}, b, h("small.gb-count", { dataset: { deadline: String(g.pay_by) }, text: remaining(g.pay_by - Date.now()) }), out);
}

function headline(ctx, g, isLinked) {
  if (!isLinked || amIn(ctx, g)) return t("gb_my_group");
  return g.status === "open" ? t("gb_friend_invites") : t("gb_friends_group");
}

function myCard(ctx, g, isLinked) {
  const out = h("span.outcome");
  const canJoin = g.status === "open" && !amIn(ctx, g);
  const card = h("div.gb-card" + (isLinked ? ".gb-linked" : ".gb-mine"), { dataset: { testid: isLinked ? "gb-linked" : "gb-mine", group: g.id } },
    h("div.gb-head", {}, h("span", { text: headline(ctx, g, isLinked) }), countdown(g)),
    members(g), groupStatus(g), payment(ctx, g));
  if (canJoin) {
    const b = h("button.primary", { type: "button", dataset: { testid: "gb-join-linked" }, text: t("gb_join_friend") });
    b.addEventListener("click", () => join(ctx, g.id, b, out));
    card.append(h("div.row", {}, b, out));
  } else if (g.status === "open") {
    const copy = h("button", { type: "button", dataset: { testid: "gb-invite" }, text: t("gb_copy_link") });
    const field = h("input.gb-link", { readonly: true, dataset: { testid: "gb-link" }, "aria-label": t("gb_copy_link") });
    if (invites.has(g.id)) field.value = invites.get(g.id);
    field.hidden = !invites.has(g.id);
    copy.addEventListener("click", () => busy(copy, () => invite(ctx, g.id)));
    card.append(h("div.row", {}, h("small", { text: t("gb_in_group") }), copy), field);
  }
  return card;
}

function draw(ctx) {
  if (!sheet || sheet.hidden) return;
  const deals = dealsOf(ctx.state);
  const linkedGroup = linked ? my.get(linked) : null;
  const deal = deals.find((d) => d.id === shownDeal) || deals.find((d) => linkedGroup && d.id === linkedGroup.deal) || deals[0];
  const body = h("div.gb-body");
  if (deal) {
    shownDeal = deal.id;
    const out = h("span.outcome");
    const start = h("button.primary", { type: "button", dataset: { testid: "gb-open" }, text: t("gb_open") });
    start.disabled = deal.status !== "open" || deal.left < 1;
    start.addEventListener("click", () => open(ctx, deal, start, out));
    body.append(h("div.gb-deal", {},
      h("div.gb-title", { text: deal.title }),
      h("div.row", {}, h("span.gb-price", { text: money(deal.price) }), h("span.tag", { text: `${deal.size}${t("gb_people")}` }),
        h("small", { text: `${t("gb_left")} ${deal.left}` })),
      h("div.row", {}, start, out)));
  }
  const mine = [...my.values()].filter((g) => !deal || g.deal === deal.id);
  for (const g of mine) body.append(myCard(ctx, g, g.id === linked));
  const others = (deal?.open_groups || []).filter((g) => !my.has(g.id) && !amIn(ctx, g));
  body.append(h("h4", { text: t("gb_open_groups") }));
  if (!others.length) body.append(h("p.gb-empty", { text: t("gb_none_open") }));
  for (const g of others.slice(0, 8)) {
    const out = h("span.outcome");
    const b = h("button.primary", { type: "button", dataset: { testid: "gb-join" }, text: t("gb_join") });
    b.addEventListener("click", () => join(ctx, g.id, b, out));
    body.append(h("div.gb-card", { dataset: { group: g.id } }, h("div.gb-head", {}, h("b.gb-need", { text: need(t, g.need) }), countdown(g)),
      members(g), h("div.row", {}, b, out)));
  }
  $(".gb-body", sheet)?.replaceWith(body);
}

function showSheet(ctx, dealId = null) {
  if (dealId) shownDeal = dealId;
  sheet.hidden = false;
  draw(ctx);
}

function drawChips(ctx) {
  if (!chips) return;
  const deals = dealsOf(ctx.state).filter((d) => d.status === "open" && d.ends_at > Date.now());
  chips.replaceChildren(...deals.map((d) => {
    const b = h("button.chip.gb-chip", { type: "button", dataset: { testid: "gb-chip", deal: d.id } },
      h("b", { text: `${t("gb_chip")} ${money(d.price)}` }), h("small", { text: `${d.size}${t("gb_people")}` }));
    b.addEventListener("click", () => showSheet(ctx, d.id));
    return b;
  }));
}

register({
  name: "groupbuy",
  keys: ["groupbuy:"],
  events: ["group"],
  words,
  mount(ctx) {
    addStyles();
    chips = ctx.addWidget("groupbuy");
    sheet = h("section.gb-sheet", { dataset: { testid: "gb-sheet" } },
      h("div.gb-top", {}, h("b", { text: t("gb_tab") }), h("button.gb-x", { type: "button", "aria-label": t("gb_close"), text: "×" })),
      h("div.gb-body"));
    sheet.hidden = true;
    $(".gb-x", sheet).addEventListener("click", () => { sheet.hidden = true; });
    document.body.append(sheet);
    if (linked) {
      refresh(ctx, linked).then((g) => { if (g) showSheet(ctx, g.deal); });
    }
  },
  render(ctx) {
    // the open groups in the state are the freshest view of a group of mine that is still open
    for (const d of dealsOf(ctx.state)) {
      for (const g of d.open_groups || []) if (my.has(g.id)) my.set(g.id, g);
    }
    drawChips(ctx);
    draw(ctx);
  },
  onEvent(ctx, e) {
    if (!my.has(e.group)) return;
    refresh(ctx, e.group).then(() => draw(ctx));
    if (e.phase === "completed" && !told.has(e.group)) {
      told.add(e.group);
      toast(t("gb_completed_toast"), "ok");
    }
  },
  tick() {
    if (!sheet || sheet.hidden) return;
    for (const el of sheet.querySelectorAll(".gb-count")) el.textContent = remaining(Number(el.dataset.deadline) - Date.now());
  },
});
