// The words of polls and quizzes (投票 / 答题), shared by the console panel and the viewer widget.
export const words = {
  zh: {
    tab_polls: "投票", poll: "投票", quiz: "答题", poll_open: "发起投票", poll_question: "问题", poll_option: "选项",
    poll_duration: "时长(秒)", poll_mode: "方式", poll_single: "单选", poll_multiple: "多选", poll_changeable: "可改票一次",
    poll_condition: "条件", poll_c_none: "不限", poll_c_follow: "仅关注主播的观众", poll_c_watch: "观看满N秒", poll_watch_s: "观看秒数",
    poll_correct: "正确答案(答题)", poll_no_correct: "无(普通投票)", poll_reward: "答对奖励", poll_r_none: "无",
    poll_r_coupon: "每人一张优惠券", poll_r_lottery: "答对者抽奖", poll_batch: "优惠券批次", poll_winners: "中奖人数",
    poll_close: "结束投票", poll_voters: "人参与", poll_votes: "票", poll_closed: "投票已结束", poll_result: "结果",
    poll_vote: "投票", poll_voted: "已投票", poll_change: "可改一次", poll_right: "答对了!", poll_wrong: "答错了",
    poll_answer: "正确答案", poll_granted: "已发券", poll_winners_are: "中奖", poll_history: "历史投票", poll_none: "暂无进行中的投票",
    poll_follow_only: "仅关注主播可投", poll_watch_only: "观看满{s}秒可投", poll_submit: "提交", poll_correct_voters: "人答对",
  },
  en: {
    tab_polls: "Polls", poll: "Poll", quiz: "Quiz", poll_open: "Open a poll", poll_question: "Question", poll_option: "Option",
    poll_duration: "Duration (s)", poll_mode: "Mode", poll_single: "Single choice", poll_multiple: "Multiple choice",
    poll_changeable: "May change once", poll_condition: "Condition", poll_c_none: "Anyone", poll_c_follow: "Followers only",
    poll_c_watch: "Watched N seconds", poll_watch_s: "Watch seconds", poll_correct: "Correct answer (quiz)",
    poll_no_correct: "None (plain poll)", poll_reward: "Reward", poll_r_none: "None", poll_r_coupon: "A coupon each",
    poll_r_lottery: "Draw among the right", poll_batch: "Coupon batch", poll_winners: "Winners", poll_close: "Close poll",
    poll_voters: "voters", poll_votes: "votes", poll_closed: "Poll closed", poll_result: "Result", poll_vote: "Vote",
    poll_voted: "Voted", poll_change: "one change left", poll_right: "Right answer!", poll_wrong: "Wrong answer",
    poll_answer: "Answer", poll_granted: "Coupons granted", poll_winners_are: "Winners", poll_history: "Past polls",
    poll_none: "No poll running", poll_follow_only: "Followers only", poll_watch_only: "After {s}s of watching",
    poll_submit: "Submit", poll_correct_voters: "right",
  },
};

/** Percent of the votes of an option (0..100), for the bars. */
export function share(option, poll) {
  const total = poll.options.reduce((n, o) => n + (o.votes || 0), 0);
  return total ? Math.round((100 * (option.votes || 0)) / total) : 0;
}
