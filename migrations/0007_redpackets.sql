-- Red packets (红包雨 rain, 口令红包 password packets) and the wallet ledger they credit.
-- Money is bigint cents; times timestamptz. The split (amounts) is recorded at launch; the seed is secret until
-- the packet ends (the API reveals it only then). Room ids are not foreign keys, like audit_log.

CREATE TABLE red_packets (
    id            text PRIMARY KEY,
    room_id       text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('rain', 'password')),
    host_id       text NOT NULL,                                        -- whose budget funds it
    total         bigint NOT NULL CHECK (total > 0),
    count         integer NOT NULL CHECK (count > 0 AND count <= total),
    amounts       bigint[] NOT NULL,                                    -- the split, in hand-out order
    condition     text NOT NULL DEFAULT 'none' CHECK (condition IN ('none', 'follow', 'watch')),
    watch_s       integer NOT NULL DEFAULT 0,
    phrase        text NOT NULL DEFAULT '',                             -- password packets: as the host typed it
    starts_at     timestamptz NOT NULL,                                 -- grab window [starts_at, ends_at)
    ends_at       timestamptz NOT NULL,
    seed_hash     text NOT NULL,                                        -- published at launch
    seed          text NOT NULL,                                        -- revealed at the end
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'ended')),
    grabbed       integer,                                              -- set at the end (from Redis)
    given         bigint,
    leftover      bigint,
    created_at    timestamptz NOT NULL DEFAULT now(),
    ended_at      timestamptz,
    CHECK (ends_at > starts_at)
);
CREATE INDEX red_packets_room ON red_packets (room_id, created_at DESC);

CREATE TABLE wallets (
    user_id       text PRIMARY KEY,
    balance       bigint NOT NULL DEFAULT 0,                            -- a host's budget may go below zero
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per movement; a wallet's balance is the sum of its rows, changed in the same transaction as each
-- insert. ref names the movement uniquely: <packet>#<index> (a grab), <packet>#fund (the host's budget pays
-- the total at launch), <packet>#leftover (what nobody grabbed goes back), so a replayed outbox entry or a
-- repeated end inserts nothing.
CREATE TABLE wallet_ledger (
    id             bigserial PRIMARY KEY,
    ref            text NOT NULL UNIQUE,
    user_id        text NOT NULL,
    delta          bigint NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('grab', 'fund', 'leftover')),
    red_packet_id  text NOT NULL REFERENCES red_packets (id),
    packet_index   integer,                                             -- grabs: which packet of the split
    grab_key       text NOT NULL DEFAULT '',                            -- grabs: the client's idempotency key
    at             timestamptz NOT NULL,
    CHECK ((kind = 'grab') = (packet_index IS NOT NULL))
);
CREATE UNIQUE INDEX wallet_ledger_one_grab ON wallet_ledger (red_packet_id, user_id) WHERE kind = 'grab';
CREATE INDEX wallet_ledger_user ON wallet_ledger (user_id, at DESC);
