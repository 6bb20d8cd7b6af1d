-- Group-buy (拼团): deals, their groups and the members' orders.
--
-- Redis decides every open, join, completion and dissolution (groupbuy_*.lua); the deal row is written by
-- the API before Redis knows the deal, groups and members by the groupbuy worker from the rooms' group-buy
-- outbox streams. Rows are keyed by the ids Redis handed out, so a replayed entry is a no-op, and a member's
-- status only moves forward (reserved -> confirmed | released), so entries replayed out of order never undo
-- a settlement. Group members' orders live here, not in `orders`: their lifecycle (held until the group
-- fills, then confirmed together or released together) is not a flash-sale order's (reserved -> paid | expired).

CREATE TABLE group_deals (
    id          text PRIMARY KEY,
    room_id     text NOT NULL,
    product_id  text NOT NULL,
    title       text NOT NULL DEFAULT '',
    size        integer NOT NULL CHECK (size BETWEEN 2 AND 10),
    price       bigint NOT NULL CHECK (price >= 0),               -- group price per unit, cents
    fill_s      integer NOT NULL CHECK (fill_s > 0),              -- time a group has to fill
    units       integer NOT NULL CHECK (units > 0),
    per_user    integer NOT NULL CHECK (per_user > 0),
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    ended_at    timestamptz,
    created_by  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at)
);
CREATE INDEX group_deals_room ON group_deals (room_id, created_at DESC);

CREATE TABLE buy_groups (
    id          text PRIMARY KEY,
    deal_id     text NOT NULL,
    room_id     text NOT NULL,
    leader      text NOT NULL,
    size        integer NOT NULL,
    opened_at   timestamptz NOT NULL,
    deadline    timestamptz NOT NULL,
    status      text NOT NULL CHECK (status IN ('open', 'complete', 'dissolved')),
    settled_at  timestamptz
);
CREATE INDEX buy_groups_deal ON buy_groups (deal_id, opened_at);

CREATE TABLE group_members (
    order_id    text PRIMARY KEY,                                  -- decided in Redis
    group_id    text NOT NULL,
    deal_id     text NOT NULL,
    room_id     text NOT NULL,
    user_id     text NOT NULL,
    seq         integer NOT NULL CHECK (seq >= 1),                 -- 1 = the member who opened the group
    join_key    text NOT NULL DEFAULT '',
    amount      bigint NOT NULL CHECK (amount >= 0),               -- cents (the group price)
    joined_at   timestamptz NOT NULL,
    status      text NOT NULL CHECK (status IN ('reserved', 'confirmed', 'released')),
    settled_at  timestamptz,
    UNIQUE (group_id, user_id),
    UNIQUE (group_id, seq)
);
CREATE INDEX group_members_deal ON group_members (deal_id);
