// The words of red packets (红包雨 / 口令红包), shared by the console panel and the viewer widget.
export const words = {
  zh: {
    tab_redpacket: "红包", rp_launch: "发红包", rp_kind: "类型", rp_rain: "红包雨", rp_password: "口令红包",
    rp_total: "总金额(元)", rp_count: "红包个数", rp_window: "抢红包时长(秒)", rp_start_in: "几秒后开始", rp_phrase: "口令",
    rp_condition: "领取条件", rp_c_none: "所有人", rp_c_follow: "关注主播", rp_c_watch: "观看时长", rp_watch_s: "观看秒数",
    rp_grabbed: "已抢", rp_of: "/", rp_given: "已发出", rp_leftover: "退回", rp_end: "提前结束", rp_none: "还没有红包",
    rp_open: "进行中", rp_soon: "即将开始", rp_ended: "已结束", rp_top: "手气榜", rp_verify: "验证金额",
    rp_grab: "抢", rp_got: "抢到", rp_missed: "红包抢完了", rp_coming: "红包雨即将开始", rp_rain_now: "红包雨来了！点红包",
    rp_send_phrase: "发送口令", rp_said: "人发送了口令", rp_result: "红包雨结束", rp_mine: "我抢到",
    rp_window_hint: "红包雨 10-60 秒，口令红包 10-600 秒",
  },
  en: {
    tab_redpacket: "Red packets", rp_launch: "Launch", rp_kind: "Kind", rp_rain: "Red packet rain", rp_password: "Password packet",
    rp_total: "Total (¥)", rp_count: "Packets", rp_window: "Window (s)", rp_start_in: "Starts in (s)", rp_phrase: "Phrase",
    rp_condition: "Who may grab", rp_c_none: "Everyone", rp_c_follow: "Followers", rp_c_watch: "Watched", rp_watch_s: "Watched (s)",
    rp_grabbed: "Grabbed", rp_of: "of", rp_given: "Given", rp_leftover: "Returned", rp_end: "End now", rp_none: "No red packet yet",
    rp_open: "Open", rp_soon: "Starting soon", rp_ended: "Ended", rp_top: "Luckiest", rp_verify: "Verify amounts",
    rp_grab: "Grab", rp_got: "You got", rp_missed: "All packets are gone", rp_coming: "Red packet rain coming", rp_rain_now: "Red packet rain! Tap a packet",
    rp_send_phrase: "Send the phrase", rp_said: "people sent the phrase", rp_result: "Rain over", rp_mine: "You got",
    rp_window_hint: "Rain 10-60 s, password packet 10-600 s",
  },
};

/** The room's red packets from the room state (``redpacket:<id>``), newest first. */
export function packets(state) {
  return Object.entries(state || {})
    .filter(([k, v]) => k.startsWith("redpacket:") && v && typeof v === "object")
    .map(([, v]) => v)
    .sort((a, b) => (b.starts_at || 0) - (a.starts_at || 0));
}

export function phase(p, now = Date.now()) {
  if (p.status === "ended" || now >= p.ends_at) return "ended";
  return now < p.starts_at ? "soon" : "open";
}

/** One stylesheet for the panel and the widget (the content policy allows the page's own files only). */
export function useStyles() {
  if (document.querySelector("link[data-feature=redpacket]")) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "/assets/js/features/redpacket/redpacket.css";
  link.dataset.feature = "redpacket";
  document.head.append(link);
}
