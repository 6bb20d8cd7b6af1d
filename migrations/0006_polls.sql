-- Polls and quizzes (投票 / 答题): the poll as opened (written with its Redis open), its options with the final
-- tallies, and one row per (poll, user) with the user's last vote, all written by the polls-persist worker from
-- the room's polls outbox except the poll row and its options (written at opening).
CREATE TABLE polls (
    id              text PRIMARY KEY,
    room_id         text NOT NULL,
    question        text NOT NULL,
    mode            text NOT NULL CHECK (mode IN ('single', 'multiple')),
    changeable      boolean NOT NULL DEFAULT false,
    condition       text NOT NULL DEFAULT 'none' CHECK (condition IN ('none', 'follow', 'watch')),
    watch_s         integer NOT NULL DEFAULT 0,
    opened_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    correct         text,                       -- a quiz's correct option id (NULL: a plain poll)
    reward          text NOT NULL DEFAULT 'none' CHECK (reward IN ('none', 'coupon', 'lottery')),
    coupon_batch    text NOT NULL DEFAULT '',
    winners_count   integer NOT NULL DEFAULT 0,
    seed_hash       text NOT NULL DEFAULT '',
    seed            text,                       -- a draw's secret seed, published in the close's result
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at       timestamptz,
    voters          integer,
    correct_voters  integer,
    winners         text[],
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX polls_room ON polls (room_id, opened_at DESC);

CREATE TABLE poll_options (
    poll_id    text NOT NULL REFERENCES polls (id),
    option_id  text NOT NULL,
    position   integer NOT NULL,
    text       text NOT NULL,
    votes      integer NOT NULL DEFAULT 0,          -- the final tally, set at the close
    PRIMARY KEY (poll_id, option_id)
);

CREATE TABLE poll_votes (
    poll_id    text NOT NULL REFERENCES polls (id),
    user_id    text NOT NULL,
    options    text[] NOT NULL,
    rev        integer NOT NULL,                     -- 0: the first vote, 1: the one change allowed
    voted_at   timestamptz NOT NULL,
    PRIMARY KEY (poll_id, user_id)
);

-- votes are interactions: counted per minute like comments and shares (livecore.ranking.store.COUNTERS)
ALTER TABLE analytics_minutes ADD COLUMN votes integer NOT NULL DEFAULT 0;
