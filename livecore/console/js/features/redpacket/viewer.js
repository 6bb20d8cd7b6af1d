// The viewer's red packets: a rain (红包雨) falls over the stage as big tap targets during its window; a tap grabs
// (one idempotency key per rain, so a retried tap can never grab twice) and a toast shows the amount. A password
// packet (口令红包) shows its phrase, a button that sends it, and one counter line ("N人发送了口令") above the
// barrage instead of the phrase's barrage lines. At the end: grabbed X of Y and the luckiest grabbers.
import { register } from "../../features.js";
import { errorText, h, remaining, toast } from "../../dom.js";
import { money, t } from "../../i18n.js";
import { packets, phase, useStyles, words } from "./words.js";

const mine = new Map(); // packet id -> { key, amount?, done }
const phases = new Map(); // packet id -> the phase last rendered (soon / open / ended)
const DROPS = 7;

function attempt(id) {
  let a = mine.get(id);
  if (!a) {
    a = { key: (crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2)), done: false };
    mine.set(id, a);
  }
  return a;
}

function won(ctx, id, amount) {
  const a = attempt(id);
  a.done = true;
  a.amount = amount;
  toast(`🧧 ${t("rp_got")} ${money(amount)}`, "ok", 5000);
  const shown = h("div.rp-won", { dataset: { testid: "redpacket-amount", redpacket: id } },
    h("div.rp-won-title", { text: "🧧 " + t("rp_got") }), h("div.rp-won-amount", { text: money(amount) }));
  shown.addEventListener("click", () => shown.remove());
  document.body.append(shown);
  setTimeout(() => shown.remove(), 6000);
  render(ctx);
}

async function grab(ctx, p, button) {
  const a = attempt(p.id);
  if (a.done || a.busy) return;
  a.busy = true;
  if (button) button.classList.add("hit");
  try {
    const res = await ctx.request({ type: "grab", rain: p.id, key: a.key });
    won(ctx, p.id, res.amount);
  } catch (err) {
    if (err && ["already", "sold_out", "ended", "not_eligible"].includes(err.code)) a.done = true;
    toast(err && err.code === "sold_out" ? t("rp_missed") : errorText(err), err && err.code === "already" ? "info" : "error");
    render(ctx);
  } finally {
    a.busy = false;
  }
}

function rainOverlay(ctx, p) {
  const id = `rp-rain-${p.id}`;
  let layer = document.getElementById(id);
  const show = phase(p) === "open" && !attempt(p.id).done;
  if (!show) {
    if (layer) layer.remove();
    return;
  }
  if (layer) return;
  layer = h("div.rp-rain", { id, dataset: { testid: "redpacket-rain", redpacket: p.id } },
    h("div.rp-rain-title", { text: "🧧 " + t("rp_rain_now") }),
    h("button.rp-close", { type: "button", "aria-label": "close", text: "×", onclick: () => { attempt(p.id).done = true; layer.remove(); } }));
  for (let i = 0; i < DROPS; i++) {
    const left = 4 + ((i * 137) % 80); // spread over the width, deterministic
    const drop = h("button.rp-drop", { type: "button", "aria-label": t("rp_grab"), dataset: { testid: "redpacket-drop" },
      style: `left:${left}%;animation-delay:${(i * 0.37) % 2.2}s`, onclick: (ev) => grab(ctx, p, ev.currentTarget) }, h("span", { text: t("rp_grab") }));
    layer.append(drop);
  }
  document.body.append(layer);
}

function counterLine(p) {
  const id = `rp-said-${p.id}`;
  let line = document.getElementById(id);
  if (p.kind !== "password" || phase(p) === "ended") {
    if (line) line.remove();
    return;
  }
  if (!line) {
    line = h("div.rp-said-line", { id, dataset: { testid: "redpacket-said" } });
    const barrage = document.getElementById("barrage");
    if (barrage) barrage.before(line);
    else document.body.append(line);
  }
  line.textContent = `🧧 ${p.said || 0}${t("rp_said")}「${p.phrase || ""}」`;
}

function chip(ctx, p) {
  const ph = phase(p);
  const a = mine.get(p.id);
  const title = p.kind === "password" ? t("rp_password") : t("rp_rain");
  const body = [h("b", { text: "🧧 " + title })];
  if (ph === "soon") body.push(h("span.rp-when", { dataset: { until: p.starts_at }, text: remaining(p.starts_at - Date.now()) }));
  else if (ph === "open") body.push(h("span.rp-when", { dataset: { until: p.ends_at }, text: remaining(p.ends_at - Date.now()) }));
  body.push(h("span.rp-count", { text: `${t("rp_grabbed")} ${p.grabbed}${t("rp_of") === "/" ? "/" : " " + t("rp_of") + " "}${p.count}` }));
  if (a && a.amount != null) body.push(h("span.rp-mine", { text: `${t("rp_mine")} ${money(a.amount)}` }));
  if (p.kind === "password" && ph === "open" && !(a && a.done)) {
    body.push(h("span.rp-phrase", { text: `「${p.phrase}」` }));
    body.push(h("button.rp-send", { type: "button", text: t("rp_send_phrase"), onclick: async (ev) => {
      ev.stopPropagation();
      try {
        const res = await ctx.request({ type: "chat", text: p.phrase });
        if (res && res.redpacket) won(ctx, res.redpacket, res.amount);
      } catch (err) {
        attempt(p.id).done = ["already", "sold_out", "ended"].includes(err && err.code);
        toast(errorText(err), "error");
      }
    } }));
  }
  if (ph === "ended") {
    body.push(h("span.rp-ended", { text: t("rp_result") }));
    for (const [i, g] of (p.top || []).slice(0, 3).entries()) body.push(h("span.rp-top-one", { text: `${i + 1}. ${g.name || g.user} ${money(g.amount)}` }));
  }
  const el = h("div.chip.rp-chip", { dataset: { redpacket: p.id, phase: ph, testid: "redpacket-chip" } }, ...body);
  if (p.kind === "rain" && ph === "open" && !(a && a.done)) el.addEventListener("click", () => grab(ctx, p, null));
  return el;
}

let box = null;

function render(ctx) {
  if (!box) return;
  const all = packets(ctx.state);
  box.replaceChildren(...all.map((p) => chip(ctx, p)));
  for (const p of all) {
    if (p.kind === "rain") rainOverlay(ctx, p);
    counterLine(p);
  }
  for (const layer of document.querySelectorAll(".rp-rain")) {
    if (!all.some((p) => layer.dataset.redpacket === p.id)) layer.remove();
  }
}

register({
  name: "redpacket",
  keys: ["redpacket:"],
  events: ["redpacket"],
  words,
  mount(ctx) {
    useStyles();
    box = ctx.addWidget("redpacket");
  },
  render,
  onEvent(ctx, e) {
    if (e.phase === "ended" && e.data) {
      const a = mine.get(e.redpacket);
      toast(`🧧 ${t("rp_result")}: ${t("rp_grabbed")} ${e.data.grabbed}/${e.data.count}` + (a && a.amount != null ? ` · ${t("rp_mine")} ${money(a.amount)}` : ""), "info", 6000);
    }
  },
  chatAnswer(ctx, text, data) {
    if (data && data.redpacket && data.amount != null && !(mine.get(data.redpacket) || {}).amount) won(ctx, data.redpacket, data.amount);
  },
  tick(ctx) {
    let changed = false;
    for (const el of document.querySelectorAll(".rp-chip .rp-when")) el.textContent = remaining(Number(el.dataset.until) - Date.now());
    for (const p of packets(ctx.state)) {
      const ph = phase(p);
      if (phases.get(p.id) !== ph) { phases.set(p.id, ph); changed = true; }
    }
    if (changed) render(ctx);
  },
});
