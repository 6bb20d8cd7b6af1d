-- Flash sales, orders with their status history, payments, and the dead letters of stream consumers.
--
-- Redis decides every sale (stock, limits, windows, payment vs expiry); these tables are the system of
-- record written by the order worker from the rooms' order streams. Rows are keyed by the ids Redis
-- handed out, so replaying a stream entry is a no-op (ON CONFLICT DO NOTHING). Sales reference products
-- loosely (no foreign key): a sale snapshots the title and price it was created with.

CREATE TABLE sales (
    id          text PRIMARY KEY,
    room_id     text NOT NULL,
    product_id  text NOT NULL,
    sku_id      text NOT NULL DEFAULT '',
    title       text NOT NULL DEFAULT '',
    price       bigint NOT NULL CHECK (price >= 0),              -- cents per unit
    quantity    integer NOT NULL CHECK (quantity > 0),
    per_user    integer NOT NULL CHECK (per_user > 0),
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    stopped_at  timestamptz,
    created_by  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at)
);
CREATE INDEX sales_room ON sales (room_id, starts_at DESC);

CREATE TABLE orders (
    id            text PRIMARY KEY,                               -- decided in Redis, unique across restarts
    sale_id       text NOT NULL,
    room_id       text NOT NULL,
    user_id       text NOT NULL,
    product_id    text NOT NULL DEFAULT '',
    sku_id        text NOT NULL DEFAULT '',
    qty           integer NOT NULL CHECK (qty > 0),
    amount        bigint NOT NULL CHECK (amount >= 0),            -- cents before discount
    discount      bigint NOT NULL DEFAULT 0 CHECK (discount >= 0),
    paid_amount   bigint,                                         -- cents charged
    coupon_claim  text,
    payment_ref   text,
    status        text NOT NULL CHECK (status IN ('reserved', 'paid', 'expired')),
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    paid_at       timestamptz,
    expired_at    timestamptz,
    stream_id     text NOT NULL DEFAULT ''                        -- the orders-stream entry that created it
);
CREATE INDEX orders_sale ON orders (sale_id);
CREATE INDEX orders_room ON orders (room_id, created_at DESC);
CREATE INDEX orders_user ON orders (user_id, created_at DESC);

-- One row per status an order reached; the primary key makes a replayed stream entry a no-op.
CREATE TABLE order_status_history (
    order_id   text NOT NULL,
    status     text NOT NULL,
    at         timestamptz NOT NULL,
    stream_id  text NOT NULL DEFAULT '',
    detail     jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (order_id, status)
);

CREATE TABLE payments (
    provider     text NOT NULL,
    ref          text NOT NULL,
    order_id     text NOT NULL,
    amount       bigint NOT NULL CHECK (amount >= 0),
    status       text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, ref)
);
CREATE INDEX payments_order ON payments (order_id);

-- Stream entries a consumer gave up on after repeated failed deliveries (any stream, any group).
CREATE TABLE dead_letters (
    stream      text NOT NULL,
    entry_id    text NOT NULL,
    group_name  text NOT NULL,
    deliveries  integer NOT NULL,
    fields      jsonb NOT NULL,
    error       text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stream, entry_id)
);
