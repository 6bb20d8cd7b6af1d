-- Paying a group order (拼团支付). A complete group's members are confirmed together; each then pays within the
-- payment window flash sales use (LIVECORE_PAYMENT_WINDOW_S) from the completion, or their order lapses and its
-- unit goes back to the deal. Both are decided in Redis (groupbuy_pay.lua, groupbuy_lapse.lua) and reach these
-- rows through the group-buy outbox; statuses still only move forward:
-- reserved -> confirmed | released, confirmed -> paid | lapsed.

ALTER TABLE group_members DROP CONSTRAINT group_members_status_check;
ALTER TABLE group_members ADD CONSTRAINT group_members_status_check
    CHECK (status IN ('reserved', 'confirmed', 'released', 'paid', 'lapsed'));
ALTER TABLE group_members ADD COLUMN paid_at timestamptz;
ALTER TABLE group_members ADD COLUMN payment_ref text;
ALTER TABLE group_members ADD COLUMN provider text;
ALTER TABLE buy_groups ADD COLUMN pay_by timestamptz;                -- a complete group's payment deadline
