// The words of group-buy (拼团), shared by the console panel and the viewer widget.
export const words = {
  zh: {
    gb_tab: "拼团", gb_chip: "拼团", gb_people: "人团", gb_need: "差{n}人成团", gb_open: "我要开团", gb_join: "去参团",
    gb_join_friend: "一键参团", gb_friend_invites: "好友邀请你参团", gb_my_group: "我的团", gb_open_groups: "正在拼的团",
    gb_none_open: "暂时没有可参加的团，开一个吧", gb_complete: "拼团成功", gb_dissolved: "拼团失败，已退回", gb_opened_ok: "开团成功，邀请好友参团吧",
    gb_joined_ok: "参团成功", gb_completed_toast: "成团啦！请在时限内支付", gb_left: "剩余", gb_ends_in: "剩余时间", gb_members: "成员",
    gb_close: "关闭", gb_copy_link: "复制邀请链接", gb_copied: "链接已复制，发给好友一起拼", gb_copy_manual: "请长按复制下面的链接", gb_group_price: "拼团价", gb_size: "成团人数",
    gb_fill_min: "成团时限(分钟)", gb_units: "可售件数", gb_duration_min: "活动时长(分钟)", gb_create: "发起拼团",
    gb_deals: "拼团活动", gb_no_deals: "还没有拼团活动", gb_opened: "开团", gb_completed: "成团", gb_dissolved_n: "失败",
    gb_reserved: "占用", gb_confirmed: "已成团件数", gb_end: "结束拼团", gb_ended: "已结束", gb_status_open: "拼团中",
    gb_status_complete: "已成团", gb_status_dissolved: "已解散", gb_groups: "团列表", gb_created: "拼团已发起",
    gb_in_group: "你已在团中", gb_friends_group: "好友的团", gb_pay: "去支付", gb_paid: "已支付", gb_paid_ok: "支付成功",
    gb_lapsed: "超时未支付，订单已取消", gb_paid_n: "已支付", gb_lapsed_n: "超时未付",
  },
  en: {
    gb_tab: "Group buy", gb_chip: "Group buy", gb_people: "-person group", gb_need: "{n} more to go", gb_open: "Start a group", gb_join: "Join",
    gb_join_friend: "Join with one tap", gb_friend_invites: "A friend invites you to their group", gb_my_group: "My group", gb_open_groups: "Open groups",
    gb_none_open: "No group to join yet: start one", gb_complete: "Group complete", gb_dissolved: "Group did not fill: released", gb_opened_ok: "Group started: invite friends",
    gb_joined_ok: "Joined", gb_completed_toast: "Group complete! Pay within the time limit", gb_left: "Left", gb_ends_in: "Ends in", gb_members: "Members",
    gb_close: "Close", gb_copy_link: "Copy invite link", gb_copied: "Link copied: send it to a friend", gb_copy_manual: "Copy the link below", gb_group_price: "Group price", gb_size: "Group size",
    gb_fill_min: "Time to fill (min)", gb_units: "Units", gb_duration_min: "Deal length (min)", gb_create: "Create group deal",
    gb_deals: "Group deals", gb_no_deals: "No group deals yet", gb_opened: "Opened", gb_completed: "Complete", gb_dissolved_n: "Dissolved",
    gb_reserved: "Held", gb_confirmed: "Units sold", gb_end: "End deal", gb_ended: "Ended", gb_status_open: "Filling",
    gb_status_complete: "Complete", gb_status_dissolved: "Dissolved", gb_groups: "Groups", gb_created: "Group deal created",
    gb_in_group: "You are in this group", gb_friends_group: "Your friend's group", gb_pay: "Pay", gb_paid: "Paid",
    gb_paid_ok: "Payment done", gb_lapsed: "Not paid in time: order cancelled", gb_paid_n: "Paid", gb_lapsed_n: "Lapsed",
  },
};

/** "差2人成团" with n filled in. */
export function need(t, n) {
  return t("gb_need").replace("{n}", String(n));
}

/** The room's group deals from the room state (``groupbuy:<deal>``). */
export function dealsOf(state) {
  return Object.entries(state || {}).filter(([k, v]) => k.startsWith("groupbuy:") && v).map(([, v]) => v);
}

/** The stylesheet of the feature (the pages' content policy allows only same-origin sheets). */
export function addStyles() {
  if (document.querySelector("link[data-feature=groupbuy]")) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "/assets/css/features/groupbuy.css";
  link.dataset.feature = "groupbuy";
  document.head.append(link);
}
