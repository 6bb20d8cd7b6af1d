// The host's red packet panel: launch a rain (红包雨) or a password packet (口令红包), watch "grabbed X of Y" move,
// end it, read the result and the verification data (seed hash, seed once ended, a verify link and button).
import { register } from "../../features.js";
import { $, busy, formData, h, remaining } from "../../dom.js";
import { money, t } from "../../i18n.js";
import { packets, phase, useStyles, words } from "./words.js";

const verified = new Map(); // packet id -> {ok, text}, kept across re-renders

function form(ctx) {
  const f = h("form#redpacket-form.form", {},
    h("h4", { text: t("rp_launch") }),
    h("label", {}, h("span", { text: t("rp_kind") }), h("select", { name: "kind" },
      h("option", { value: "rain", text: t("rp_rain") }), h("option", { value: "password", text: t("rp_password") }))),
    h("label", {}, h("span", { text: t("rp_total") }), h("input", { name: "total", type: "number", min: "0.01", step: "0.01", value: "100", required: true })),
    h("label", {}, h("span", { text: t("rp_count") }), h("input", { name: "count", type: "number", min: "1", max: "10000", value: "20", required: true })),
    h("label", {}, h("span", { text: t("rp_window") }), h("input", { name: "window_s", type: "number", min: "10", max: "600", value: "20", required: true, title: t("rp_window_hint") })),
    h("label", {}, h("span", { text: t("rp_start_in") }), h("input", { name: "start_in_s", type: "number", min: "0", max: "300", value: "3" })),
    h("label", {}, h("span", { text: t("rp_phrase") }), h("input", { name: "phrase", maxlength: "30", value: "", placeholder: "新年快乐" })),
    h("label", {}, h("span", { text: t("rp_condition") }), h("select", { name: "condition" },
      h("option", { value: "none", text: t("rp_c_none") }), h("option", { value: "follow", text: t("rp_c_follow") }),
      h("option", { value: "watch", text: t("rp_c_watch") }))),
    h("label", {}, h("span", { text: t("rp_watch_s") }), h("input", { name: "watch_s", type: "number", min: "0", value: "0" })),
    h("div.row", {}, h("button.primary", { type: "submit", text: t("rp_launch") }), h("span.outcome")));
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const d = formData(f);
    const body = { kind: d.kind, total: Math.round(Number(d.total) * 100), count: d.count, window_s: d.window_s,
                   start_in_s: d.start_in_s || 0, condition: d.condition, watch_s: d.watch_s || 0 };
    if (d.kind === "password") body.phrase = d.phrase;
    const out = f.querySelector(".outcome");
    busy(f.querySelector("button[type=submit]"), async () => {
      const p = await ctx.api.post(`/api/rooms/${encodeURIComponent(ctx.room)}/redpackets`, body);
      ctx.state[`redpacket:${p.id}`] = p; // the room state brings the same value a moment later
      render(ctx);
    }, out);
  });
  return f;
}

function card(ctx, p) {
  const ph = phase(p);
  const pct = p.count ? Math.round((100 * p.grabbed) / p.count) : 0;
  const verdict = verified.get(p.id);
  const out = h("span.outcome.rp-verify-out" + (verdict ? (verdict.ok ? ".ok" : ".error") : ""), { text: verdict ? verdict.text : "" });
  const verifyUrl = `/api/redpackets/${encodeURIComponent(p.id)}/verify`;
  return h("div.rp-card", { dataset: { redpacket: p.id, phase: ph } },
    h("div.row", {}, h("b", { text: (p.kind === "password" ? "🧧 " + t("rp_password") + "「" + (p.phrase || "") + "」" : "🧧 " + t("rp_rain")) }),
      h("span.pill." + (ph === "open" ? "started" : ph === "soon" ? "scheduled" : "ended"), { text: t("rp_" + ph) }),
      ph !== "ended" ? h("span.muted.rp-when", { dataset: { until: ph === "soon" ? p.starts_at : p.ends_at } }) : null),
    h("div.figs", {},
      h("span", {}, t("rp_grabbed"), " ", h("b.rp-grabbed", { text: `${p.grabbed} ${t("rp_of")} ${p.count}` })),
      h("span", {}, t("rp_given"), " ", h("b.rp-given", { text: money(p.given) }), " / ", money(p.total)),
      p.kind === "password" ? h("span.rp-said", { text: `${p.said || 0} ${t("rp_said")}` }) : null,
      p.leftover != null ? h("span", {}, t("rp_leftover"), " ", h("b.rp-leftover", { text: money(p.leftover) })) : null),
    h("div.rp-bar", {}, h("div.rp-fill", { style: `width:${pct}%` })),
    ph !== "ended" ? h("div.row", {}, h("button.rp-end", { type: "button", text: t("rp_end"), onclick: (ev) => busy(ev.target, async () => {
      const res = await ctx.api.post(`/api/rooms/${encodeURIComponent(ctx.room)}/redpackets/${encodeURIComponent(p.id)}/end`);
      ctx.state[`redpacket:${p.id}`] = res;
      render(ctx);
    }, ev.target.nextElementSibling) }), h("span.outcome")) : null,
    p.top && p.top.length ? h("div.rp-top", {}, h("span.muted", { text: t("rp_top") + ": " }),
      p.top.map((g, i) => h("span.rp-top-one", { text: `${i + 1}. ${g.name || g.user} ${money(g.amount)}` }))) : null,
    h("div.verify", {},
      h("div.mono", {}, h("span.muted", { text: t("seed_hash") + ": " }), h("span.rp-seed-hash", { text: p.seed_hash || "-" })),
      p.seed ? h("div.mono", {}, h("span.muted", { text: t("seed") + ": " }), h("span.rp-seed", { text: p.seed })) : null,
      ph === "ended" ? h("div.row", {}, h("a.rp-verify-link", { href: verifyUrl, target: "_blank", text: t("verify") + " ↗" }),
        h("button.rp-verify", { type: "button", text: t("rp_verify"), onclick: (ev) => busy(ev.target, async () => {
          const res = await ctx.api.get(verifyUrl);
          const text = res.ok ? "✓ " + t("verify_ok") : "✗ " + t("verify_bad") + (res.problems?.length ? ": " + res.problems.join("; ") : "");
          verified.set(p.id, { ok: !!res.ok, text });
          render(ctx); // the card may have been redrawn by a state update meanwhile: draw the verdict on the live one
        }, out) }), out) : null));
}

function render(ctx) {
  const list = $("#redpacket-list");
  if (!list) return;
  const all = packets(ctx.state);
  list.replaceChildren(...(all.length ? all.map((p) => card(ctx, p)) : [h("span.muted", { text: t("rp_none") })]));
  tick(ctx);
}

function tick() {
  for (const el of document.querySelectorAll(".rp-card .rp-when")) el.textContent = remaining(Number(el.dataset.until) - Date.now());
}

register({
  name: "redpacket",
  keys: ["redpacket:"],
  events: ["redpacket"],
  words,
  mount(ctx) {
    useStyles();
    const pane = ctx.addTab("redpacket", t("tab_redpacket"));
    pane.append(h("div#redpacket-list.rp-list", { dataset: { testid: "redpacket-list" } }), form(ctx));
  },
  render,
  onEvent(ctx, e) {
    if (e.phase === "ended") render(ctx);
  },
  tick,
});
