// The host's poll panel (投票 / 答题): open a poll or a quiz (options, duration, mode, one change, condition,
// correct option and reward), watch its tallies move (the `poll` room state, no reload), close it, see results.
import { register } from "../../features.js";
import { busy, formData, h, remaining } from "../../dom.js";
import { t } from "../../i18n.js";
import { share, words } from "./words.js";

let pane = null;
let now = null;
let history = null;
const R = (ctx) => `/api/rooms/${encodeURIComponent(ctx.room)}/polls`;

function field(label, input) {
  return h("label", {}, h("span", { text: t(label) }), input);
}

function select(name, options, value) {
  const el = h("select", { name });
  for (const [v, label] of options) el.append(h("option", { value: v, text: t(label), selected: v === value || undefined }));
  return el;
}

function form(ctx) {
  const outcome = h("span.outcome");
  const optionInputs = [0, 1, 2, 3, 4, 5].map((i) => h("input", { name: `o${i}`, maxlength: "40",
    required: i < 2 || undefined, placeholder: `${t("poll_option")} ${i + 1}`, dataset: { testid: `poll-o${i}` } }));
  const correct = select("correct", [["", "poll_no_correct"]], "");
  for (const i of [0, 1, 2, 3, 4, 5]) correct.append(h("option", { value: String(i), text: `${t("poll_option")} ${i + 1}` }));
  const batches = Object.keys(ctx.state).filter((k) => k.startsWith("coupon:")).map((k) => k.slice(7));
  const el = h("form.form#poll-form", { dataset: { testid: "poll-form" } },
    h("h4", { text: t("poll_open") }),
    field("poll_question", h("input", { name: "question", required: true, maxlength: "100", dataset: { testid: "poll-question" } })),
    ...optionInputs.map((input) => field("poll_option", input)),
    field("poll_duration", h("input", { name: "duration_s", type: "number", min: "5", max: "86400", value: "60", required: true })),
    field("poll_mode", select("mode", [["single", "poll_single"], ["multiple", "poll_multiple"]], "single")),
    field("poll_changeable", h("input", { name: "changeable", type: "checkbox" })),
    field("poll_condition", select("condition", [["none", "poll_c_none"], ["follow", "poll_c_follow"], ["watch", "poll_c_watch"]], "none")),
    field("poll_watch_s", h("input", { name: "watch_s", type: "number", min: "1", value: "30" })),
    field("poll_correct", correct),
    field("poll_reward", select("reward", [["none", "poll_r_none"], ["coupon", "poll_r_coupon"], ["lottery", "poll_r_lottery"]], "none")),
    field("poll_batch", h("input", { name: "coupon_batch", list: "poll-batches", placeholder: batches[0] || "cb…" })),
    h("datalist#poll-batches", {}, ...batches.map((b) => h("option", { value: b }))),
    field("poll_winners", h("input", { name: "winners", type: "number", min: "1", value: "1" })),
    h("div.row", {}, h("button.primary", { type: "submit", text: t("poll_open"), dataset: { testid: "poll-submit" } }), outcome));
  el.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = formData(el);
    const options = [0, 1, 2, 3, 4, 5].map((i) => (f[`o${i}`] || "").trim()).filter(Boolean);
    const body = { question: f.question.trim(), options, duration_s: f.duration_s, mode: f.mode, changeable: f.changeable,
      condition: f.condition, reward: f.correct === "" ? "none" : f.reward };
    if (f.condition === "watch") body.watch_s = f.watch_s || 1;
    if (f.correct !== "") body.correct = Number(f.correct);
    if (body.reward === "coupon") body.coupon_batch = (f.coupon_batch || batches[0] || "").trim();
    if (body.reward === "lottery") body.winners = f.winners || 1;
    const made = await busy(ev.submitter, () => ctx.api.post(R(ctx), body), outcome);
    if (made) {
      outcome.textContent = "✓";
      outcome.classList.add("ok");
      ctx.state.poll = made; // the state arrives at the next tick; show it now
      renderNow(ctx);
    }
  });
  return el;
}

function bars(poll) {
  return poll.options.map((o) => {
    const fill = h("div");
    fill.style.width = share(o, poll) + "%";
    const right = poll.status === "closed" && poll.correct === o.id;
    return h("div.poll-row", { dataset: { option: o.id, testid: "poll-tally" } },
      h("div.row", {}, h("span", { text: (right ? "✓ " : "") + o.text }),
        h("b.poll-votes", { text: `${o.votes} ${t("poll_votes")} · ${share(o, poll)}%` })),
      h("div.bar", {}, fill));
  });
}

function resultLines(poll) {
  if (poll.status !== "closed" || !poll.result) return [];
  const r = poll.result;
  const out = [h("b", { text: t("poll_result") })];
  if (r.correct) out.push(h("span", { text: `${t("poll_answer")}: ${poll.options.find((o) => o.id === r.correct)?.text ?? r.correct} · ${r.correct_voters} ${t("poll_correct_voters")}` }));
  if (r.winners) out.push(h("span.winners", {}, `${t("poll_winners_are")}: `, h("b", { text: r.winners.join(", ") || "-" })));
  if (r.seed) out.push(h("small.verify", { text: `${t("seed")}: ${r.seed}` }));
  if (poll.granted != null) out.push(h("span", { text: `${t("poll_granted")}: ${poll.granted}` }));
  return out;
}

function renderNow(ctx) {
  if (!now) return;
  const poll = ctx.state.poll;
  if (!poll) return now.replaceChildren(h("p.muted", { text: t("poll_none") }));
  const open = poll.status !== "closed";
  const close = h("button", { type: "button", text: t("poll_close"), dataset: { testid: "poll-close" },
    onclick: async (ev) => {
      const done = await busy(ev.target, () => ctx.api.post(`${R(ctx)}/${encodeURIComponent(poll.id)}/close`));
      if (done) { ctx.state.poll = done; renderNow(ctx); loadHistory(ctx); }
    } });
  now.replaceChildren(h("div.lottery-card", { dataset: { testid: "poll-now" } },
    h("div.row", {}, h("b", { text: (poll.quiz ? "❓ " : "📊 ") + poll.question }),
      h("span.pill", { text: open ? remaining(poll.ends_at - Date.now()) : t("poll_closed"), class: open ? "pill started" : "pill ended" })),
    h("span.muted", { dataset: { testid: "poll-voters" }, text: `${poll.voters} ${t("poll_voters")}` }),
    ...bars(poll), ...resultLines(poll), open ? h("div.row", {}, close) : null));
}

async function loadHistory(ctx) {
  if (!history) return;
  const rows = await ctx.api.get(R(ctx)).catch(() => []);
  history.replaceChildren(...(rows || []).map((p) => h("li", { text:
    `${p.question} · ${p.status === "closed" ? t("poll_closed") : ""} ${p.voters ?? ""} ${p.voters != null ? t("poll_voters") : ""}` })));
}

register({
  name: "polls",
  keys: ["poll"],
  events: ["poll"],
  words,
  mount(ctx) {
    pane = ctx.addTab("polls", t("tab_polls"));
    now = h("div#poll-now.lottery-now");
    history = h("ul.list#polls-history");
    pane.append(now, form(ctx), h("h4", { text: t("poll_history") }), history);
    loadHistory(ctx);
  },
  render(ctx) { renderNow(ctx); },
  onEvent(ctx, e) { if (e.phase === "closed") loadHistory(ctx); },
  tick(ctx) {
    const poll = ctx.state.poll;
    const pill = now && now.querySelector(".pill");
    if (poll && poll.status !== "closed" && pill) pill.textContent = remaining(poll.ends_at - Date.now());
  },
});
