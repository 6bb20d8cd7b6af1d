-- Analytics for the post-live report (直播复盘): per-minute snapshots of each room and a summary per session.
-- Written by the snapshot worker (idempotent upserts: several workers may write the same minute).

CREATE TABLE analytics_minutes (
    room_id      text NOT NULL,
    minute       timestamptz NOT NULL,              -- start of the minute
    online       integer,                           -- sampled at the end of the minute (NULL: not sampled)
    peak         integer,
    uv           bigint,
    enters       integer NOT NULL DEFAULT 0,
    leaves       integer NOT NULL DEFAULT 0,
    likes        bigint  NOT NULL DEFAULT 0,
    comments     integer NOT NULL DEFAULT 0,
    shares       integer NOT NULL DEFAULT 0,
    follows      integer NOT NULL DEFAULT 0,
    gifts        integer NOT NULL DEFAULT 0,
    gift_value   bigint  NOT NULL DEFAULT 0,        -- cents
    clicks       integer NOT NULL DEFAULT 0,
    carts        integer NOT NULL DEFAULT 0,
    orders       integer NOT NULL DEFAULT 0,
    order_value  bigint  NOT NULL DEFAULT 0,        -- cents
    paid         integer NOT NULL DEFAULT 0,
    gmv          bigint  NOT NULL DEFAULT 0,        -- cents, paid
    units        integer NOT NULL DEFAULT 0,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room_id, minute)
);

CREATE TABLE analytics_sessions (
    session_id       text PRIMARY KEY,
    room_id          text NOT NULL,
    totals           jsonb NOT NULL DEFAULT '{}',
    funnel           jsonb NOT NULL DEFAULT '[]',
    top_products     jsonb NOT NULL DEFAULT '{}',
    top_contributors jsonb NOT NULL DEFAULT '[]',
    keywords         jsonb NOT NULL DEFAULT '[]',
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX analytics_sessions_room ON analytics_sessions (room_id, updated_at DESC);
