// Chinese by default, English with ?lang=en. Keys are short English ids; a missing key shows itself.
const params = new URLSearchParams(location.search);
export const lang = params.get("lang") === "en" ? "en" : "zh";
document.documentElement.lang = lang === "en" ? "en" : "zh-CN";

const zh = {
  console_title: "主播控制台", viewer_title: "直播间", sign_in: "登录", sign_in_hint: "使用主播令牌登录（链接中的 ?token=），或在演示模式下直接登录。",
  token: "令牌", user_id: "用户ID", display_name: "昵称", room_id: "直播间ID", demo_login: "演示登录", paste_token: "粘贴令牌",
  refused: "已拒绝", loading: "加载中…", connecting: "连接中…", connected: "已连接", reconnecting: "重连中…", offline: "已断开",
  live: "直播中", status_offline: "未开播", go_live: "开播", end_live: "下播", confirm_end: "确定结束本场直播？",
  title: "标题", cover: "封面图片URL", save: "保存", saved: "已保存", room_settings: "直播间设置",
  tab_products: "购物车", tab_sales: "秒杀", tab_coupons: "优惠券", tab_lottery: "福袋", tab_moderation: "管理", tab_report: "复盘", tab_settings: "设置",
  product: "商品", price: "价格", list_price: "原价", image_url: "图片URL", add_product: "添加商品", push: "讲解", on_screen: "讲解中", clear_screen: "取消讲解", remove: "移除",
  no_products: "购物车还没有商品", yuan: "¥",
  flash_tag: "秒杀", sales: "秒杀活动", create_sale: "创建秒杀", sale_price: "秒杀价", quantity: "库存", per_user: "每人限购", duration_s: "时长(秒)", start_in_s: "几秒后开始",
  start_now: "立即开始", schedule: "定时开始", stop: "提前结束", stock: "剩余", sold: "已售", status: "状态", starts: "开始", ends: "结束",
  st_scheduled: "未开始", st_started: "进行中", st_active: "进行中", st_sold_out: "已售罄", st_ended: "已结束", st_stopped: "已结束",
  coupons: "优惠券", issue_batch: "发放优惠券", kind: "类型", k_fixed: "立减", k_threshold: "满减", k_percent: "折扣", amount: "金额", threshold: "门槛", percent: "折扣%", total: "总量",
  claimed: "已领", remaining: "剩余", valid_s: "有效期(秒)", window_s: "领取时长(秒)",
  lottery: "福袋", open_lottery: "发起福袋", prize: "奖品", winners: "中奖人数", condition: "参与条件", c_keyword: "评论口令", c_follow: "关注主播", c_watch: "观看时长", c_purchase: "本场下单",
  keyword: "口令", watch_s: "观看秒数", entries: "参与人数", draw: "开奖", drawn: "已开奖", seed_hash: "种子哈希", seed: "种子", verify: "验证", verify_ok: "验证通过", verify_bad: "验证失败", no_winner: "无人中奖",
  moderation: "弹幕管理", barrage: "弹幕", delete: "删除", pin: "置顶", unpin: "取消置顶", mute: "禁言", unmute: "解除禁言", muted_users: "禁言用户", words: "敏感词", words_hint: "每行一个",
  deleted: "已删除", pinned: "置顶",
  dashboard: "实时数据", online: "在线", peak: "峰值", likes: "点赞", gmv: "成交额", orders: "订单", uv: "累计观看", comments: "评论", funnel: "转化漏斗",
  f_entered: "进入", f_watched: "观看>60秒", f_clicked: "点击商品", f_ordered: "下单", f_paid: "支付",
  contributors: "贡献榜", product_rank: "商品榜", platform_rank: "人气榜排名", keywords: "弹幕热词", chart_online: "在线人数", chart_gmv: "成交额",
  duration: "直播时长", avg_watch: "人均观看", report: "直播复盘", sessions: "场次", view_report: "查看复盘", no_sessions: "还没有结束的场次", curves: "曲线", top_products: "热销商品", top_contributors: "贡献榜",
  // viewer
  say_something: "说点什么…", send: "发送", like: "点赞", gifts: "礼物", buy: "抢购", buy_now: "立即购买", ordered: "已下单", pay: "去支付", paid: "支付成功", paying: "支付中…",
  sold_out: "已售罄", limit_reached: "已达限购", not_started: "未开始", ended: "已结束", countdown: "倒计时", claim: "领取", claimed_ok: "领取成功",
  enter: "参与", entered: "已参与", send_keyword: "发送口令参与", you_won: "恭喜中奖！", you_lost: "很遗憾，未中奖", lottery_drawn: "福袋已开奖", lottery_ends: "开奖倒计时",
  top3: "贡献榜", viewers: "人在看", resync: "已重新同步", muted: "你已被主播禁言，暂时无法发言", rate_limited: "发送太快了，请稍等几秒再试", duplicate: "请勿重复发送相同内容", too_long: "内容太长，请删减后再发送", forbidden: "没有权限进行此操作",
  not_found: "内容不存在或已结束，请刷新页面", unavailable: "服务暂不可用，请稍后重试", invalid: "填写的内容有误，请检查后重试", not_eligible: "暂不满足参与条件，完成条件后再参与", already: "已经参与过了，无需重复操作", unauthorized: "未登录或令牌无效，请重新登录", internal: "服务器出错了，请稍后重试",
  in_use: "有秒杀或订单引用该商品，无法移除", not_live: "直播间未开播，请先开播",
  group_closed: "这个团已满或已过期，请另开一团或加入其他团",
  // refusals: every ErrorCode, every API/commerce code and every close reason, each saying what to do next
  bad_frame: "客户端发送了无法识别的消息，请刷新页面", unknown_type: "客户端版本过旧，请刷新页面", not_joined: "尚未进入直播间，请刷新页面重试",
  busy: "已有一个福袋正在进行，请先开奖或取消它", expired: "订单已超过支付时限，请重新下单", missing: "未登录，请先登录",
  threshold_not_met: "订单金额未达到该优惠券的使用门槛", order_has_coupon: "该订单已使用过优惠券", wrong_room: "该优惠券不属于本直播间",
  too_many_connections: "打开的直播间页面过多，请关闭其他页面后重试", unsupported_data: "客户端异常，连接已断开，请刷新页面",
  policy: "连接被服务器拒绝，请刷新页面", closed: "连接已关闭，请刷新页面",
  unknown_refusal: "操作未成功，请稍后重试", room_not_yours: "此令牌不能管理该直播间，请用该直播间的主播令牌登录",
  demo_host_running: "演示脚本运行中", demo_host_paused: "演示脚本已暂停", pause: "暂停", resume: "继续",
  demo_host_hint: "演示模式的脚本主播会自动讲解、秒杀、发券和开福袋；暂停后由你操作",
  error: "出错了", host: "主播", order_placed: "下单了", just_bought: "刚刚抢到了", gift_sent: "送出",
  live_ended: "直播已结束", room_not_found: "直播间不存在", check_link: "请检查链接中的直播间ID", create_room: "创建直播间",
  renewing: "登录已过期，正在续期…", sign_in_again: "请重新登录", token_expired: "登录已过期", room_forbidden: "无权进入该直播间",
  flood: "操作过于频繁，连接已断开", kicked: "你已被移出直播间", protocol_violation: "客户端异常，连接已断开", message_too_big: "消息过大，连接已断开",
  cancelled: "该福袋已取消，等待下一个福袋吧", not_ended: "福袋还在参与中，请等参与时间结束后再开奖", not_owner: "这张优惠券不属于你，请使用自己的优惠券",
  already_used: "这张优惠券已用于其他订单，请换一张", not_yet_valid: "优惠券还未到可用时间，请稍后再用", too_large: "提交的内容过大，请删减后重试",
  method_not_allowed: "页面版本过旧，请刷新页面",
  bad_code: "分享链接无效或已被修改，请向好友重新获取链接", self_referral: "这是你自己的分享链接，分享给好友才算数哦",
  referral_loop: "你们已互相分享过，这次不会记为新的邀请", self_help: "不能为自己助力，请邀请好友来帮忙",
};

const en = {
  console_title: "Host console", viewer_title: "Live room", sign_in: "Sign in", sign_in_hint: "Sign in with a host token (?token= in the link), or with the demo login.",
  token: "Token", user_id: "User id", display_name: "Name", room_id: "Room id", demo_login: "Demo login", paste_token: "Paste a token",
  refused: "Refused", loading: "Loading…", connecting: "Connecting…", connected: "Connected", reconnecting: "Reconnecting…", offline: "Offline",
  live: "LIVE", status_offline: "Offline", go_live: "Go live", end_live: "End live", confirm_end: "End this live session?",
  title: "Title", cover: "Cover image URL", save: "Save", saved: "Saved", room_settings: "Room settings",
  tab_products: "Cart", tab_sales: "Flash sales", tab_coupons: "Coupons", tab_lottery: "Lottery", tab_moderation: "Moderation", tab_report: "Reports", tab_settings: "Settings",
  product: "Product", price: "Price", list_price: "List price", image_url: "Image URL", add_product: "Add product", push: "Push", on_screen: "On screen", clear_screen: "Clear screen", remove: "Remove",
  no_products: "The cart is empty", yuan: "¥",
  flash_tag: "Flash", sales: "Flash sales", create_sale: "Create flash sale", sale_price: "Sale price", quantity: "Stock", per_user: "Per user", duration_s: "Duration (s)", start_in_s: "Starts in (s)",
  start_now: "Start now", schedule: "Schedule", stop: "Stop", stock: "Left", sold: "Sold", status: "Status", starts: "Starts", ends: "Ends",
  st_scheduled: "Scheduled", st_started: "Running", st_active: "Running", st_sold_out: "Sold out", st_ended: "Ended", st_stopped: "Ended",
  coupons: "Coupons", issue_batch: "Issue coupons", kind: "Kind", k_fixed: "Amount off", k_threshold: "Threshold", k_percent: "Percent", amount: "Amount", threshold: "Threshold", percent: "Percent",
  total: "Total", claimed: "Claimed", remaining: "Left", valid_s: "Valid (s)", window_s: "Claim window (s)",
  lottery: "Lottery", open_lottery: "Open a lottery", prize: "Prize", winners: "Winners", condition: "Condition", c_keyword: "Comment a keyword", c_follow: "Follow the host", c_watch: "Watch time", c_purchase: "Bought this session",
  keyword: "Keyword", watch_s: "Watch seconds", entries: "Entries", draw: "Draw", drawn: "Drawn", seed_hash: "Seed hash", seed: "Seed", verify: "Verify", verify_ok: "Verified", verify_bad: "Mismatch", no_winner: "No winners",
  moderation: "Barrage", barrage: "Barrage", delete: "Delete", pin: "Pin", unpin: "Unpin", mute: "Mute", unmute: "Unmute", muted_users: "Muted users", words: "Sensitive words", words_hint: "one a line",
  deleted: "deleted", pinned: "Pinned",
  dashboard: "Live dashboard", online: "Online", peak: "Peak", likes: "Likes", gmv: "GMV", orders: "Orders", uv: "Viewers", comments: "Comments", funnel: "Funnel",
  f_entered: "Entered", f_watched: "Watched >60s", f_clicked: "Clicked", f_ordered: "Ordered", f_paid: "Paid",
  contributors: "Contributors", product_rank: "Products", platform_rank: "Platform rank", keywords: "Keywords", chart_online: "Online", chart_gmv: "GMV",
  duration: "Duration", avg_watch: "Avg watch", report: "Post-live report", sessions: "Sessions", view_report: "Report", no_sessions: "No ended session yet", curves: "Curves", top_products: "Top products", top_contributors: "Top contributors",
  say_something: "Say something…", send: "Send", like: "Like", gifts: "Gifts", buy: "Buy", buy_now: "Buy now", ordered: "Ordered", pay: "Pay", paid: "Paid", paying: "Paying…",
  sold_out: "Sold out", limit_reached: "Limit reached", not_started: "Not started", ended: "Ended", countdown: "Ends in", claim: "Claim", claimed_ok: "Claimed",
  enter: "Enter", entered: "Entered", send_keyword: "Send the keyword", you_won: "You won!", you_lost: "Not this time", lottery_drawn: "Lottery drawn", lottery_ends: "Draw in",
  top3: "Top fans", viewers: "watching", resync: "Resynced", muted: "You are muted", rate_limited: "Too fast", duplicate: "Duplicate message", too_long: "Too long", forbidden: "Not allowed",
  not_found: "Not found", unavailable: "Unavailable, try again", invalid: "Invalid request", not_eligible: "Not eligible", already: "Already done", unauthorized: "Not signed in or bad token", internal: "Server error",
  in_use: "A sale or order refers to this product: it stays", not_live: "The room is not live: go live first",
  group_closed: "This group is full or past its deadline: open a new one or join another",
  bad_frame: "The page sent an unreadable message: reload it", unknown_type: "This page is out of date: reload it", not_joined: "Not in the room yet: reload the page",
  busy: "A lottery is still open: draw or cancel it first", expired: "The payment window has passed: order again", missing: "Not signed in: sign in first",
  threshold_not_met: "The order is below this coupon's threshold", order_has_coupon: "This order already uses a coupon", wrong_room: "This coupon belongs to another room",
  too_many_connections: "Too many open room pages: close one and retry", unsupported_data: "Client error: disconnected, reload the page",
  policy: "The server refused the connection: reload the page", closed: "Connection closed: reload the page",
  unknown_refusal: "That did not work, try again later", room_not_yours: "This token cannot manage the room: sign in with its host token",
  demo_host_running: "Demo script running", demo_host_paused: "Demo script paused", pause: "Pause", resume: "Resume",
  demo_host_hint: "In demo mode a scripted host pushes products, runs sales, issues coupons and opens lotteries; pause it to drive the room yourself",
  error: "Error", host: "Host", order_placed: "ordered", just_bought: "just bought", gift_sent: "sent",
  live_ended: "The live has ended", room_not_found: "No such room", check_link: "check the room id in the link", create_room: "Create room",
  renewing: "Session expired, renewing…", sign_in_again: "please sign in again", token_expired: "Your session expired", room_forbidden: "You may not enter this room",
  flood: "Too many actions: disconnected", kicked: "You were removed from the room", protocol_violation: "Client error: disconnected", message_too_big: "Message too big: disconnected",
  cancelled: "This lottery was cancelled: wait for the next one", not_ended: "The lottery is still open: draw it when entries close", not_owner: "This coupon belongs to someone else: use one of yours",
  already_used: "This coupon was used on another order: choose another", not_yet_valid: "This coupon is not valid yet: use it later", too_large: "Too much data sent: shorten it and retry",
  method_not_allowed: "This page is out of date: reload it",
  bad_code: "This share link is not valid: ask your friend for a new one", self_referral: "This is your own share link: send it to a friend",
  referral_loop: "You two already invited each other: this visit is not a new referral", self_help: "You cannot help yourself: ask a friend",
};

const table = lang === "en" ? en : zh;

/** Words of a feature module (livecore/console/js/features.js): { zh: {...}, en: {...} }. */
export function addWords(words) {
  Object.assign(zh, words.zh || {});
  Object.assign(en, words.en || {});
}

export function t(key) {
  return table[key] ?? zh[key] ?? key;
}

/**
 * A refusal code (ErrorCode, an API or commerce code, a close reason) as a sentence a person can act on.
 * The server's detail is English and may carry internal ids: a Chinese page never shows it; an English page
 * adds it only for the generic codes where it names the field or dependency at fault. An unknown code shows a
 * generic sentence, never the raw server text.
 */
const DETAILED = new Set(["invalid", "unavailable"]);

export function reason(code, message) {
  const base = table[code] ?? zh[code] ?? table.unknown_refusal;
  if (message && message !== code) console.debug("refusal", code, message);
  if (lang === "en" && DETAILED.has(code) && message && message !== code && !/\b[a-z]{1,3}[0-9a-f]{8,}\b/.test(message)) {
    return `${base} (${message})`;
  }
  return base;
}

/** Fill every [data-i18n] element's text and [data-i18n-ph] placeholder. */
export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-ph]")) el.placeholder = t(el.dataset.i18nPh);
}

export function money(cents) {
  if (cents == null || Number.isNaN(cents)) return "-";
  const v = Number(cents) / 100;
  return "¥" + (Number.isInteger(v) ? v.toString() : v.toFixed(2));
}

export function compact(n) {
  if (n == null) return "-";
  n = Number(n);
  if (lang === "zh" && Math.abs(n) >= 10000) return (n / 10000).toFixed(n >= 100000 ? 0 : 1) + "万";
  if (lang === "en" && Math.abs(n) >= 1000) return (n / 1000).toFixed(n >= 10000 ? 0 : 1) + "k";
  return String(n);
}
