-- Rooms, hosts, products and live sessions; the audit log of host actions.

CREATE TABLE hosts (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rooms (
    id          text PRIMARY KEY,
    host_id     text NOT NULL REFERENCES hosts (id),
    title       text NOT NULL DEFAULT '',
    cover_url   text NOT NULL DEFAULT '',
    words       text[] NOT NULL DEFAULT '{}',        -- the room's own sensitive words
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE live_sessions (
    id          text PRIMARY KEY,
    room_id     text NOT NULL REFERENCES rooms (id),
    title       text NOT NULL DEFAULT '',
    started_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz
);
CREATE INDEX live_sessions_room ON live_sessions (room_id, started_at DESC);

CREATE TABLE products (
    id          text PRIMARY KEY,
    room_id     text NOT NULL REFERENCES rooms (id),
    title       text NOT NULL,
    image_url   text NOT NULL DEFAULT '',
    list_price  bigint NOT NULL CHECK (list_price >= 0),   -- cents
    position    integer NOT NULL DEFAULT 0,                -- order in the cart (购物车)
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_room ON products (room_id, position);

CREATE TABLE skus (
    id          text PRIMARY KEY,
    product_id  text NOT NULL REFERENCES products (id),
    title       text NOT NULL DEFAULT '',
    price       bigint NOT NULL CHECK (price >= 0)         -- cents
);

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    room_id     text NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_room ON audit_log (room_id, at DESC);
