-- Share attribution (分享裂变) and friends' help (好友助力), written by the share workers from the rooms'
-- share outboxes. Every key is decided in Redis (a visit's sequence number, a referral's touch instant, an order
-- id, a helper), so replaying an entry changes nothing. Room and user ids are not foreign keys, like audit_log.

CREATE TABLE share_visits (
    room_id     text NOT NULL,
    seq         bigint NOT NULL,                                     -- the room's visit number (share_visit.lua)
    user_id     text NOT NULL,
    sharer_id   text NOT NULL,
    channel     text NOT NULL CHECK (channel IN ('wechat', 'qq', 'link', 'poster')),
    group_id    text,
    via         text NOT NULL CHECK (via IN ('visit', 'join')),
    at          timestamptz NOT NULL,
    PRIMARY KEY (room_id, seq)
);
CREATE INDEX share_visits_sharer ON share_visits (room_id, sharer_id);

CREATE TABLE share_referrals (
    room_id     text NOT NULL,
    user_id     text NOT NULL,
    touched_at  timestamptz NOT NULL,                                -- the first touch; holds for the window
    referrer_id text NOT NULL,
    channel     text NOT NULL,
    group_id    text,
    via         text NOT NULL,
    PRIMARY KEY (room_id, user_id, touched_at),
    CHECK (referrer_id <> user_id)
);
CREATE INDEX share_referrals_referrer ON share_referrals (room_id, referrer_id);

CREATE TABLE share_credits (
    order_id    text PRIMARY KEY,                                    -- an order credits one referrer, once
    room_id     text NOT NULL,
    user_id     text NOT NULL,
    referrer_id text NOT NULL,
    channel     text NOT NULL,
    group_id    text,
    amount      bigint NOT NULL CHECK (amount >= 0),                 -- cents paid
    ordered_at  timestamptz NOT NULL,
    paid_at     timestamptz NOT NULL,
    touched_at  timestamptz NOT NULL,
    CHECK (referrer_id <> user_id)
);
CREATE INDEX share_credits_referrer ON share_credits (room_id, referrer_id);

CREATE TABLE share_help_campaigns (
    id          text PRIMARY KEY,
    room_id     text NOT NULL,
    batch_id    text NOT NULL,                                       -- the coupon batch helps unlock
    need        integer NOT NULL CHECK (need BETWEEN 1 AND 100),
    title       text NOT NULL DEFAULT '',
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz
);
CREATE INDEX share_help_campaigns_room ON share_help_campaigns (room_id, created_at DESC);

CREATE TABLE share_helps (
    campaign_id text NOT NULL,
    asker_id    text NOT NULL,
    helper_id   text NOT NULL,
    room_id     text NOT NULL,
    n           integer NOT NULL,                                    -- the asker's helps counting this one
    at          timestamptz NOT NULL,
    PRIMARY KEY (campaign_id, asker_id, helper_id),
    CHECK (helper_id <> asker_id)
);

CREATE TABLE share_unlocks (
    campaign_id text NOT NULL,
    asker_id    text NOT NULL,
    room_id     text NOT NULL,
    batch_id    text NOT NULL,
    helps       integer NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (campaign_id, asker_id)                             -- the coupon is granted once per asker
);
