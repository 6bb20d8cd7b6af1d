// Share links other widgets can build (group-buy's "invite to my group" among them):
//   import { shareLink } from "../share/links.js";
//   const url = await shareLink(ctx, { channel: "wechat", group: "g42" });  // -> https://host/room/<room>?share=<code>&group=g42
// The code is signed by the server for this room (and group): ask for a new one per channel.
export const CHANNELS = ["wechat", "qq", "link", "poster"];

/** A full share URL for the viewer of ``ctx`` (a room link, or a group's when ``group`` is given). */
export async function shareLink(ctx, { channel = "link", group = null } = {}) {
  const msg = { type: "share_code", channel };
  if (group) msg.group = group;
  const data = await ctx.request(msg);
  return new URL(data.link, location.origin).toString();
}

/** The ``share`` tap that counts a share of the channel of the viewer's last code (no answer comes back). */
export function countShare(ctx, channel) {
  ctx.request({ type: "share", channel }).catch(() => {});
}

/** The share and help codes (and group) of the page's own address. */
export function fromPage(search = location.search) {
  const p = new URLSearchParams(search);
  return { share: p.get("share"), help: p.get("help"), group: p.get("group") };
}
