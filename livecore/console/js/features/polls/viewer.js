// The viewer's poll widget (投票 / 答题): the question, one button per option with its live bar (the `poll` room
// state, sent at the tick), the countdown, and the result once the host or the timer closes it.
import { register } from "../../features.js";
import { h, remaining, toast, errorText } from "../../dom.js";
import { t } from "../../i18n.js";
import { share, words } from "./words.js";

const mine = new Map(); // poll id -> { options, rev } this viewer voted
const picked = new Set(); // a multiple-choice poll's ticked options, before Submit
let box = null;
let shownClosed = "";

function optionRow(ctx, poll, o) {
  const closed = poll.status === "closed";
  const voted = mine.get(poll.id);
  const chosen = voted ? voted.options.includes(o.id) : picked.has(o.id);
  const right = closed && poll.correct === o.id;
  const bar = h("span.poll-fill");
  Object.assign(bar.style, { position: "absolute", inset: "0 auto 0 0", width: share(o, poll) + "%", borderRadius: "6px",
    background: right ? "#34c75966" : chosen ? "#ff2d5566" : "#ffffff22", transition: "width .3s" });
  const btn = h("button.poll-option", { type: "button", dataset: { option: o.id, testid: "poll-option" },
    "aria-pressed": chosen ? "true" : "false", disabled: closed || undefined,
    onclick: () => choose(ctx, poll, o.id) },
  bar, h("span.poll-text", { text: (right ? "✓ " : chosen ? "● " : "") + o.text }),
  h("b.poll-count", { text: String(o.votes || 0) }));
  Object.assign(btn.style, { position: "relative", display: "flex", justifyContent: "space-between", gap: "6px",
    width: "100%", minHeight: "36px", padding: "6px 8px", border: chosen ? "1px solid #ff2d55" : "1px solid #ffffff33",
    borderRadius: "6px", background: "#0006", color: "#fff", fontSize: "13px", textAlign: "left", overflow: "hidden" });
  for (const el of btn.children) if (!el.classList.contains("poll-fill")) el.style.position = "relative";
  return btn;
}

async function choose(ctx, poll, id) {
  const voted = mine.get(poll.id);
  if (poll.mode === "multiple" && !voted) {
    if (picked.has(id)) picked.delete(id); else picked.add(id);
    return render(ctx);
  }
  if (voted && (!poll.changeable || voted.rev >= 1)) return toast(t("poll_voted"));
  await send(ctx, poll, [id]);
}

async function send(ctx, poll, options) {
  try {
    const answer = await ctx.request({ type: "vote", poll: poll.id, options });
    mine.set(poll.id, { options: answer.options || options, rev: answer.rev ?? 0 });
    picked.clear();
    toast(t("poll_voted"), "ok", 1500);
  } catch (err) {
    toast(errorText(err), "error");
  }
  render(ctx);
}

function condition(poll) {
  if (poll.condition === "follow") return t("poll_follow_only");
  if (poll.condition === "watch") return t("poll_watch_only").replace("{s}", poll.watch_s);
  return "";
}

function result(poll) {
  if (poll.status !== "closed") return null;
  const voted = mine.get(poll.id);
  const lines = [h("b", { text: t("poll_closed") })];
  if (poll.correct) {
    const answer = poll.options.find((o) => o.id === poll.correct);
    lines.push(h("span", { text: `${t("poll_answer")}: ${answer ? answer.text : poll.correct}` }));
    if (voted) lines.push(h("b", { text: voted.options.join() === poll.correct ? t("poll_right") : t("poll_wrong") }));
    const winners = poll.result?.winners;
    if (winners && winners.length) lines.push(h("span", { text: `${t("poll_winners_are")}: ${winners.join(", ")}` }));
  }
  const el = h("div.poll-result", { dataset: { testid: "poll-result" } }, ...lines);
  Object.assign(el.style, { display: "flex", flexDirection: "column", gap: "2px", fontSize: "12px" });
  return el;
}

function render(ctx) {
  const poll = ctx.state.poll;
  if (!box) return;
  box.style.display = poll ? "flex" : "none"; // the inline display would override the hidden attribute
  if (!poll) return box.replaceChildren();
  const voted = mine.get(poll.id);
  const head = h("div.poll-head", {}, h("b", { text: (poll.quiz ? "❓ " + t("quiz") : "📊 " + t("poll")) }),
    h("span.poll-when", { text: poll.status === "closed" ? t("poll_closed") : remaining(poll.ends_at - Date.now()) }));
  Object.assign(head.style, { display: "flex", justifyContent: "space-between", fontSize: "12px" });
  const rows = poll.options.map((o) => optionRow(ctx, poll, o));
  const foot = h("small.poll-foot", { text: [`${poll.voters} ${t("poll_voters")}`, condition(poll),
    voted && poll.changeable && voted.rev < 1 && poll.status !== "closed" ? t("poll_change") : ""].filter(Boolean).join(" · ") });
  const parts = [head, h("div.poll-question", { text: poll.question }), ...rows];
  if (poll.mode === "multiple" && !voted && poll.status !== "closed") {
    parts.push(h("button.primary", { type: "button", disabled: picked.size ? undefined : true,
      onclick: () => send(ctx, poll, [...picked]) , text: t("poll_submit") }));
  }
  parts.push(result(poll), foot);
  box.replaceChildren(...parts.filter(Boolean));
}

register({
  name: "polls",
  keys: ["poll"],
  events: ["poll"],
  words,
  mount(ctx) {
    box = ctx.addWidget("polls");
    box.dataset.testid = "poll-widget";
    Object.assign(box.style, { width: "min(240px, calc(100vw - 24px))", display: "flex", flexDirection: "column",
      gap: "5px", padding: "8px", borderRadius: "10px", background: "#000a", color: "#fff", alignSelf: "flex-end" });
    box.style.display = "none";
  },
  render(ctx) { render(ctx); },
  onEvent(ctx, e) {
    if (e.phase === "closed" && e.poll !== shownClosed) {
      shownClosed = e.poll;
      const voted = mine.get(e.poll);
      const correct = e.data?.correct;
      toast(correct && voted ? (voted.options.join() === correct ? t("poll_right") : t("poll_wrong")) : t("poll_closed"));
    }
  },
  tick(ctx) {
    const poll = ctx.state.poll;
    if (box && poll && poll.status !== "closed") {
      const when = box.querySelector(".poll-when");
      if (when) when.textContent = remaining(poll.ends_at - Date.now());
    }
  },
});
