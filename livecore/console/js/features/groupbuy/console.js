// Group-buy (拼团) in the host console: create a group deal on a cart product, watch its open, complete and
// dissolved groups, the units left and the members' payments (paid, lapsed), end it.
import { register } from "../../features.js";
import { busy, formData, h, remaining, toast } from "../../dom.js";
import { money, t } from "../../i18n.js";
import { addStyles, dealsOf, need, words } from "./words.js";

let pane = null;
let list = null;
let form = null;
const groupsOf = new Map(); // deal -> its groups (GET .../groups), refreshed on changes
let fetching = null;
let ticks = 0;
const R = (ctx) => `/api/rooms/${encodeURIComponent(ctx.room)}`;

async function loadProducts(ctx) {
  const select = form.querySelector("select[name=product]");
  try {
    const products = await ctx.api.get(`${R(ctx)}/products`);
    select.replaceChildren(...products.map((p) => h("option", { value: p.id, text: `${p.title} (${money(p.price)})` })));
  } catch (err) {
    console.debug("products", err);
  }
}

async function loadDeals(ctx) {
  try {
    const deals = await ctx.api.get(`${R(ctx)}/groupbuys`);
    for (const d of deals) if (!ctx.state[`groupbuy:${d.id}`]) ctx.state[`groupbuy:${d.id}`] = d;
  } catch (err) {
    console.debug("deals", err);
  }
  await loadGroups(ctx);
}

async function loadGroups(ctx) {
  if (fetching) return fetching;
  fetching = (async () => {
    for (const d of dealsOf(ctx.state)) {
      try { groupsOf.set(d.id, await ctx.api.get(`${R(ctx)}/groupbuys/${d.id}/groups`)); } catch (err) { console.debug(err); }
    }
    draw(ctx);
  })().finally(() => { fetching = null; });
  return fetching;
}

function statusBadge(status) {
  const cls = status === "complete" ? ".on" : "";
  return h("span.badge" + cls, { text: t(`gb_status_${status}`) });
}

function draw(ctx) {
  if (!list) return;
  const deals = dealsOf(ctx.state).sort((a, b) => b.starts_at - a.starts_at);
  if (!deals.length) { list.replaceChildren(h("li.empty", { text: t("gb_no_deals") })); return; }
  list.replaceChildren(...deals.map((d) => {
    const ended = d.status !== "open" || d.ends_at <= Date.now();
    const end = h("button", { type: "button", text: t("gb_end") });
    end.hidden = ended;
    end.addEventListener("click", () => busy(end, async () => { await ctx.api.post(`${R(ctx)}/groupbuys/${d.id}/end`); toast(t("gb_ended")); }));
    const groups = groupsOf.get(d.id) || [];
    return h("li.gb-deal-row", { dataset: { testid: "gb-deal", deal: d.id } },
      h("div.row", {}, h("b", { text: d.title }), h("span.tag", { text: `${d.size}${t("gb_people")}` }), h("span", { text: money(d.price) }),
        h("span.badge" + (ended ? "" : ".on"), { text: ended ? t("gb_ended") : t("gb_status_open") }), end),
      h("div.gb-stats", {},
        stat(t("gb_left"), `${d.left}/${d.units}`, "gb-left"), stat(t("gb_opened"), d.opened), stat(t("gb_completed"), d.completed, "gb-completed"),
        stat(t("gb_dissolved_n"), d.dissolved), stat(t("gb_reserved"), d.reserved), stat(t("gb_confirmed"), d.confirmed),
        stat(t("gb_paid_n"), d.paid || 0, "gb-paid"), stat(t("gb_lapsed_n"), d.lapsed || 0)),
      h("ul.list.small.gb-groups", {}, groups.slice(0, 20).map((g) => h("li", { dataset: { group: g.id } },
        statusBadge(g.status), " ", h("span", { text: g.members.map((m) => m.name).join("、") }), " ",
        g.status === "open" ? h("small", { text: `${need(t, g.need)} · ${remaining(g.deadline - Date.now())}` }) : null))));
  }));
}

function stat(label, value, testid) {
  return h("div.card", {}, h("span.label", { text: label }), h("b", { dataset: testid ? { testid } : {}, text: String(value) }));
}

register({
  name: "groupbuy",
  keys: ["groupbuy:"],
  events: ["group"],
  words,
  mount(ctx) {
    addStyles();
    pane = ctx.addTab("groupbuy", t("gb_tab"));
    list = h("ul.list.gb-deals", { dataset: { testid: "gb-deals" } });
    form = h("form.form.gb-form", { dataset: { testid: "gb-form" } },
      h("h4", { text: t("gb_create") }),
      h("label", {}, h("span", { text: t("product") }), h("select", { name: "product", required: true })),
      field("gb_group_price", "price", { min: 0, step: "0.01", value: 49, required: true }),
      field("gb_size", "size", { min: 2, max: 10, value: 2, required: true }),
      field("gb_fill_min", "fill_min", { min: 1, max: 1440, value: 10, required: true }),
      field("gb_units", "units", { min: 1, value: 100, required: true }),
      field("per_user", "per_user", { min: 1, value: 1, required: true }),
      field("gb_duration_min", "duration_min", { min: 1, value: 60, required: true }),
      h("div.row", {}, h("button.primary", { type: "submit", text: t("gb_create") }), h("span.outcome")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const v = formData(form);
      const out = form.querySelector(".outcome");
      const made = await busy(form.querySelector("button[type=submit]"), () => ctx.api.post(`${R(ctx)}/groupbuys`, {
        product: v.product, price: Math.round(Number(v.price) * 100), size: v.size, fill_s: v.fill_min * 60,
        units: v.units, per_user: v.per_user, duration_s: v.duration_min * 60 }), out);
      if (made) {
        ctx.state[`groupbuy:${made.id}`] = ctx.state[`groupbuy:${made.id}`] || made;
        out.textContent = t("gb_created");
        out.className = "outcome ok";
        draw(ctx);
      }
    });
    pane.append(h("h4", { text: t("gb_deals") }), list, form);
    loadProducts(ctx);
    loadDeals(ctx);
  },
  render(ctx) {
    draw(ctx);
    loadGroups(ctx);
  },
  onEvent(ctx) { loadGroups(ctx); },
  tick(ctx) {
    ticks += 1;
    if (pane && !pane.hidden && ticks % 4 === 0) draw(ctx); // the groups' countdowns, every 2 s
  },
});

function field(label, name, attrs) {
  return h("label", {}, h("span", { text: t(label) }), h("input", { name, type: "number", ...attrs }));
}
