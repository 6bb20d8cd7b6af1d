// The viewer's share widget: copy a share link per channel, see "N friends helped, M to go" in the room's help
// campaign and invite friends to help, help a friend from a help link (?help=<code>). A page opened through a
// share link (?share=<code>[&group=<id>]) records its visit once the room is joined.
import { register } from "../../features.js";
import { busy, errorText, h, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { CHANNELS, countShare, fromPage, shareLink } from "./links.js";

const words = {
  zh: {
    share_btn: "分享", share_title: "分享直播间", ch_wechat: "微信", ch_qq: "QQ", ch_link: "复制链接", ch_poster: "海报",
    share_copied: "链接已复制，发给好友吧", share_copy_manual: "请长按复制下面的链接", share_close: "关闭",
    help_title: "好友助力", help_progress: "已有 {n} 位好友助力，还差 {m} 位", help_done: "助力完成，优惠券已到账",
    help_invite: "邀请好友助力", help_friend_btn: "为好友助力", help_friend_title: "好友邀请你助力",
    help_thanks: "助力成功！", help_already_helped: "你已经助力过了", help_unlocked_for: "{name} 已解锁优惠券",
    help_to_go_for: "{name} 还差 {m} 位好友助力",
    share_welcome: "通过好友分享进入直播间",
  },
  en: {
    share_btn: "Share", share_title: "Share this room", ch_wechat: "WeChat", ch_qq: "QQ", ch_link: "Copy link", ch_poster: "Poster",
    share_copied: "Link copied: send it to a friend", share_copy_manual: "Copy the link below", share_close: "Close",
    help_title: "Friends' help", help_progress: "{n} friends helped, {m} to go", help_done: "Unlocked: the coupon is yours",
    help_invite: "Ask friends to help", help_friend_btn: "Help your friend", help_friend_title: "A friend asks for your help",
    help_thanks: "Thanks for helping!", help_already_helped: "You helped already", help_unlocked_for: "{name} unlocked the coupon",
    help_to_go_for: "{name} needs {m} more",
    share_welcome: "You came through a friend's share",
  },
};

const fill = (text, vars) => text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));
const w = { chip: null, panel: null, field: null, help: null, friend: null, status: null, pending: fromPage(),
  visited: false, statusAt: 0 };

function joined() { return Number(document.body.dataset.joined || 0) > 0; }

async function copy(ctx, channel, group = null) {
  const url = await shareLink(ctx, { channel, group });
  w.field.value = url;
  w.field.hidden = false;
  let copied = false;
  try { await navigator.clipboard.writeText(url); copied = true; } catch { copied = false; }
  toast(t(copied ? "share_copied" : "share_copy_manual"), copied ? "ok" : "info");
  w.field.select();
  countShare(ctx, channel);
  return url;
}

function panel(ctx) {
  const close = h("button.share-close", { type: "button", text: t("share_close") });
  const buttons = CHANNELS.map((ch) => {
    const b = h("button.share-ch", { type: "button", dataset: { channel: ch }, text: t("ch_" + ch) });
    b.addEventListener("click", () => busy(b, () => copy(ctx, ch)));
    return b;
  });
  w.field = h("input.share-link#share-link", { readonly: true, "aria-label": t("share_title") });
  w.field.hidden = true;
  w.help = h("div.share-help#share-help");
  w.help.style.cssText = "display:flex;flex-direction:column;gap:4px";
  w.help.hidden = true;
  const p = h("div.share-panel#share-panel", { role: "dialog", "aria-label": t("share_title") },
    h("div.share-head", {}, h("b", { text: t("share_title") }), close), h("div.share-channels", {}, ...buttons),
    w.field, w.help);
  p.style.cssText = "position:fixed;left:8px;right:8px;bottom:8px;z-index:50;background:#1c1c22;color:#fff;" +
    "border-radius:12px;padding:12px;display:flex;flex-direction:column;gap:8px;max-width:420px;margin:0 auto;" +
    "box-shadow:0 4px 24px #0008";
  p.hidden = true;
  close.addEventListener("click", () => { p.hidden = true; });
  for (const b of buttons) b.style.cssText = "flex:1;min-width:70px;padding:8px 4px;border-radius:8px";
  p.querySelector(".share-channels").style.cssText = "display:flex;gap:6px;flex-wrap:wrap";
  p.querySelector(".share-head").style.cssText = "display:flex;justify-content:space-between;align-items:center";
  w.field.style.cssText = "width:100%;box-sizing:border-box;padding:6px;border-radius:6px;font-size:12px";
  document.body.append(p);
  return p;
}

function renderHelp(ctx) {
  const campaign = ctx.state["share:help"];
  const s = w.status;
  if (!campaign || campaign.status !== "active" || !s || !s.campaign) {
    w.help.hidden = true;
    return;
  }
  const line = s.unlocked ? t("help_done") : fill(t("help_progress"), { n: s.helps, m: s.to_go });
  const invite = h("button.share-help-invite", { type: "button", text: t("help_invite") });
  invite.hidden = s.unlocked;
  invite.addEventListener("click", () => busy(invite, async () => {
    const url = new URL(s.link, location.origin).toString();
    w.field.value = url;
    w.field.hidden = false;
    try { await navigator.clipboard.writeText(url); toast(t("share_copied"), "ok"); } catch { toast(t("share_copy_manual")); }
  }));
  w.help.replaceChildren(h("b", { text: `${t("help_title")} · ${campaign.title || ""}` }),
    h("span.share-help-line#share-help-line", { text: line }), invite);
  w.help.hidden = false;
  w.chip.dataset.helps = String(s.helps);
}

async function refreshStatus(ctx) {
  w.statusAt = Date.now();
  try {
    w.status = await ctx.request({ type: "help_status" });
  } catch {
    return;
  }
  renderHelp(ctx);
}

function friendCard(ctx) {
  const me = ctx.me?.user;
  const btn = h("button.primary.share-help-friend#share-help-friend", { type: "button", text: t("help_friend_btn") });
  const note = h("span.share-help-note");
  btn.addEventListener("click", () => busy(btn, async () => {
    try {
      const r = await ctx.request({ type: "help_friend", code: w.pending.help });
      const where = fill(t(r.unlocked ? "help_unlocked_for" : "help_to_go_for"), { name: r.name, m: r.to_go });
      note.textContent = `${t(r.replayed ? "help_already_helped" : "help_thanks")} ${where}`;
      btn.disabled = true;
      document.body.dataset.helped = String(r.helps);
    } catch (err) {
      note.textContent = errorText(err);
      throw err;
    }
  }));
  const card = h("div.share-friend#share-friend", {}, h("b", { text: t("help_friend_title") }), btn, note);
  card.style.cssText = "display:flex;flex-direction:column;gap:4px;padding:6px;border-radius:8px;background:#0006;color:#fff";
  card.hidden = !me;
  return card;
}

async function recordVisit(ctx) {
  w.visited = true;
  const msg = { type: "share_visit", code: w.pending.share };
  if (w.pending.group) msg.group = w.pending.group;
  try {
    const r = await ctx.request(msg);
    document.body.dataset.shareVisit = r.outcome;
    if (r.outcome === "new") toast(t("share_welcome"), "info", 2500);
  } catch (err) {
    document.body.dataset.shareVisit = err.code || "refused";
    if (err.code === "self_referral" || err.code === "referral_loop" || err.code === "bad_code") toast(errorText(err), "info");
  }
}

register({
  name: "share",
  keys: ["share:help"],
  words,
  mount(ctx) {
    const box = ctx.addWidget("share");
    w.chip = h("button.chip.share-chip#share-chip", { type: "button", text: t("share_btn") });
    w.panel = panel(ctx);
    w.chip.addEventListener("click", () => {
      w.panel.hidden = !w.panel.hidden;
      if (!w.panel.hidden) refreshStatus(ctx);
    });
    box.append(w.chip);
    if (w.pending.help) {
      w.friend = friendCard(ctx);
      box.append(w.friend);
    }
  },
  render(ctx) {
    if (w.help) renderHelp(ctx);
  },
  tick(ctx) {
    if (!joined()) return;
    if (w.pending.share && !w.visited) recordVisit(ctx);
    const campaign = ctx.state["share:help"];
    if (campaign && campaign.status === "active" && Date.now() - w.statusAt > 5000) refreshStatus(ctx);
  },
});

export { shareLink };
