-- Time-limited coupons (batches, claims, redemptions) and verifiable lottery draws (福袋).
-- Times are timestamptz; money is bigint cents. Room ids are not foreign keys (rooms may be
-- provisioned elsewhere), like audit_log.

CREATE TABLE coupon_batches (
    id            text PRIMARY KEY,
    room_id       text NOT NULL,
    title         text NOT NULL DEFAULT '',
    kind          text NOT NULL CHECK (kind IN ('fixed', 'threshold', 'percent')),
    amount        bigint NOT NULL DEFAULT 0 CHECK (amount >= 0),        -- cents off (fixed, threshold)
    threshold     bigint NOT NULL DEFAULT 0 CHECK (threshold >= 0),     -- minimum order in cents
    percent       integer NOT NULL DEFAULT 0 CHECK (percent BETWEEN 0 AND 99),
    cap           bigint NOT NULL DEFAULT 0 CHECK (cap >= 0),           -- largest percent discount, 0 = none
    total         integer NOT NULL CHECK (total > 0),
    per_user      integer NOT NULL CHECK (per_user > 0),
    starts_at     timestamptz NOT NULL,                                 -- claim window [starts_at, ends_at)
    ends_at       timestamptz NOT NULL,
    valid_from    timestamptz,                                          -- absolute validity (optional)
    valid_until   timestamptz,
    valid_for_s   integer CHECK (valid_for_s > 0),                      -- or N seconds after the claim
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (valid_until IS NOT NULL OR valid_for_s IS NOT NULL)
);
CREATE INDEX coupon_batches_room ON coupon_batches (room_id, created_at DESC);

CREATE TABLE coupon_claims (
    id            text PRIMARY KEY,                                     -- <batch>-<n>
    batch_id      text NOT NULL REFERENCES coupon_batches (id),
    room_id       text NOT NULL,
    user_id       text NOT NULL,
    claim_key     text NOT NULL,                                        -- the client's idempotency key
    claimed_at    timestamptz NOT NULL,
    valid_from    timestamptz NOT NULL,
    valid_until   timestamptz NOT NULL,
    UNIQUE (batch_id, user_id, claim_key)
);
CREATE INDEX coupon_claims_user ON coupon_claims (user_id, claimed_at DESC);

-- One row per redemption; a released redemption keeps its row with released_at set, and the claim may be
-- redeemed again (a new row). No foreign key to coupon_claims: the outbox may deliver a redemption before
-- the claim it refers to when a dead consumer's entries are reclaimed.
CREATE TABLE coupon_redemptions (
    id            text PRIMARY KEY,                                     -- <claim>#<n>
    claim_id      text NOT NULL,
    batch_id      text NOT NULL,
    room_id       text NOT NULL,
    user_id       text NOT NULL,
    order_id      text NOT NULL,
    amount        bigint NOT NULL,                                      -- order amount before the discount
    discount      bigint NOT NULL CHECK (discount >= 0),
    redeemed_at   timestamptz NOT NULL,
    released_at   timestamptz
);
CREATE INDEX coupon_redemptions_order ON coupon_redemptions (order_id);
CREATE INDEX coupon_redemptions_claim ON coupon_redemptions (claim_id);

CREATE TABLE lotteries (
    id              text PRIMARY KEY,
    room_id         text NOT NULL,
    prize           text NOT NULL,
    winners_count   integer NOT NULL CHECK (winners_count > 0),
    condition       text NOT NULL CHECK (condition IN ('keyword', 'follow', 'watch', 'purchase')),
    keyword         text NOT NULL DEFAULT '',
    watch_s         integer NOT NULL DEFAULT 0,
    opened_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    seed_hash       text NOT NULL,                                      -- announced at opening
    seed            text NOT NULL,                                      -- secret until drawn
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'drawn', 'cancelled')),
    entries_count   integer,
    entries_digest  text,                                               -- announced with the winners
    drawn_at        timestamptz,
    created_by      text NOT NULL
);
CREATE INDEX lotteries_room ON lotteries (room_id, opened_at DESC);

CREATE TABLE lottery_entries (
    lottery_id  text NOT NULL REFERENCES lotteries (id),
    user_id     text NOT NULL,
    PRIMARY KEY (lottery_id, user_id)
);

CREATE TABLE lottery_winners (
    lottery_id  text NOT NULL REFERENCES lotteries (id),
    rank        integer NOT NULL,                                       -- draw order, from 1
    user_id     text NOT NULL,
    PRIMARY KEY (lottery_id, rank),
    UNIQUE (lottery_id, user_id)
);
