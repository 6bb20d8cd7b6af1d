// The host's share panel: the share funnel per channel (links made, shares, visits, new viewers, group joins,
// orders, GMV), the fission coefficient, the top referrers by name, and the friends' help campaign.
import { register } from "../../features.js";
import { busy, h } from "../../dom.js";
import { money, t } from "../../i18n.js";

const words = {
  zh: {
    share_tab: "分享裂变", share_funnel: "分享漏斗", sf_channel: "渠道", sf_codes: "生成链接", sf_shares: "分享",
    sf_visits: "访问", sf_new: "新观众", sf_joins: "参团", sf_orders: "订单", sf_gmv: "成交额", sf_total: "合计",
    ch_wechat: "微信", ch_qq: "QQ", ch_link: "链接", ch_poster: "海报", share_fission: "裂变系数",
    share_fission_hint: "每位分享者带来的新观众", share_sharers: "分享者", share_top: "邀请榜",
    share_ref_new: "带来新观众", share_help_title: "好友助力", share_help_batch: "优惠券",
    share_help_need: "需要助力人数", share_help_start: "开启助力", share_help_end: "结束助力",
    share_help_running: "进行中：{n} 位好友助力解锁「{title}」", share_help_none: "未开启好友助力",
    share_window: "归因窗口 {h} 小时，首次触达生效",
  },
  en: {
    share_tab: "Sharing", share_funnel: "Share funnel", sf_channel: "Channel", sf_codes: "Links", sf_shares: "Shares",
    sf_visits: "Visits", sf_new: "New viewers", sf_joins: "Group joins", sf_orders: "Orders", sf_gmv: "GMV", sf_total: "Total",
    ch_wechat: "WeChat", ch_qq: "QQ", ch_link: "Link", ch_poster: "Poster", share_fission: "Fission",
    share_fission_hint: "new viewers per sharer", share_sharers: "Sharers", share_top: "Top referrers",
    share_ref_new: "new viewers", share_help_title: "Friends' help", share_help_batch: "Coupon",
    share_help_need: "Helps needed", share_help_start: "Start", share_help_end: "End",
    share_help_running: "Running: {n} friends' helps unlock “{title}”", share_help_none: "No help campaign",
    share_window: "Attribution window {h} h, first touch wins",
  },
};

const STEPS = ["codes", "shares", "visits", "new", "joins", "orders", "gmv"];
const fill = (text, vars) => text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));
const p = { pane: null, table: null, cards: null, top: null, help: null, at: 0 };
const R = (ctx) => `/api/rooms/${encodeURIComponent(ctx.room)}`;

const PAD = "padding:3px 10px;text-align:right;font-variant-numeric:tabular-nums";
function cell(step, value) {
  const td = h("td", { dataset: { step }, text: step === "gmv" ? money(value) : String(value) });
  td.style.cssText = PAD;
  return td;
}

function renderFunnel(f) {
  const head = h("tr", {}, h("th", { text: t("sf_channel") }), ...STEPS.map((s) => h("th", { text: t("sf_" + s) })));
  for (const th of head.children) th.style.cssText = PAD;
  const rows = f.channels.map((c) => h("tr", { dataset: { channel: c.channel } }, h("td", { text: t("ch_" + c.channel) }),
    ...STEPS.map((s) => cell(s, c[s]))));
  const total = h("tr.total", { dataset: { channel: "total" } }, h("td", { text: t("sf_total") }), ...STEPS.map((s) => cell(s, f.total[s])));
  p.table.replaceChildren(head, ...rows, total);
  p.cards.replaceChildren(
    h("div.card", {}, h("span.label", { text: t("share_fission") }), h("b#share-fission", { text: f.fission.toFixed(2) }),
      h("small", { text: t("share_fission_hint") })),
    h("div.card", {}, h("span.label", { text: t("share_sharers") }), h("b#share-sharers", { text: String(f.sharers) }),
      h("small", { text: fill(t("share_window"), { h: Math.round(f.window_s / 360) / 10 }) })),
    h("div.card", {}, h("span.label", { text: t("sf_gmv") }), h("b#share-gmv", { text: money(f.total.gmv) }),
      h("small", { text: `${f.total.orders} ${t("sf_orders")}` })));
  p.top.replaceChildren(...f.top.map((r) => h("li", { dataset: { user: r.user } },
    h("b", { text: r.name }), ` · ${r.new} ${t("share_ref_new")} · ${money(r.gmv)}`)));
}

async function refresh(ctx) {
  p.at = Date.now();
  try {
    renderFunnel(await ctx.api.get(`${R(ctx)}/share/funnel`));
    p.pane.dataset.loaded = String(Number(p.pane.dataset.loaded || 0) + 1);
  } catch (err) {
    console.debug("share funnel", err);
  }
}

async function helpForm(ctx) {
  const current = await ctx.api.get(`${R(ctx)}/share/help`).catch(() => null);
  const batches = await ctx.api.get(`${R(ctx)}/coupons`).catch(() => []);
  const select = h("select#share-help-batch", { "aria-label": t("share_help_batch") },
    ...(batches || []).filter((b) => b.status === "active" || b.status === "scheduled")
      .map((b) => h("option", { value: b.id, text: b.title || b.id })));
  const need = h("input#share-help-need", { type: "number", min: "1", max: "100", value: "3", "aria-label": t("share_help_need") });
  const start = h("button.primary", { type: "button", text: t("share_help_start") });
  const end = h("button", { type: "button", text: t("share_help_end") });
  const line = h("p.share-help-state", { text: current && current.status === "active"
    ? fill(t("share_help_running"), { n: current.need, title: current.title || current.batch }) : t("share_help_none") });
  const note = h("p.note");
  start.addEventListener("click", () => busy(start, async () => {
    await ctx.api.post(`${R(ctx)}/share/help`, { batch: select.value, need: Number(need.value) });
    await helpForm(ctx);
  }, note));
  end.addEventListener("click", () => busy(end, async () => {
    await ctx.api.del(`${R(ctx)}/share/help`);
    await helpForm(ctx);
  }, note));
  end.hidden = !(current && current.status === "active");
  p.help.replaceChildren(h("h3", { text: t("share_help_title") }), line,
    h("div.row", {}, h("label", {}, t("share_help_batch"), " ", select), h("label", {}, t("share_help_need"), " ", need), start, end), note);
}

register({
  name: "share",
  words,
  mount(ctx) {
    p.pane = ctx.addTab("share", t("share_tab"));
    p.table = h("table.share-funnel#share-funnel");
    p.table.style.cssText = "border-collapse:collapse;margin:8px 0;width:100%";
    p.cards = h("div.cards");
    p.top = h("ol.share-top#share-top");
    p.help = h("section.share-help");
    p.pane.append(h("h3", { text: t("share_funnel") }), p.cards, p.table, h("h3", { text: t("share_top") }), p.top, p.help);
    refresh(ctx);
    helpForm(ctx);
  },
  tick(ctx) {
    if (!ctx.room || Date.now() - p.at < 3000) return;
    refresh(ctx);
  },
});
