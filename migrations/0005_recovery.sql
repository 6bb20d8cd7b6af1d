-- Recovery from a Redis that lost its data: what `livecore restore` needs to rebuild Redis from PostgreSQL.
--
-- orders.idem_key: the client's idempotency key of the attempt that created the order, so a restored Redis
-- answers a retried key with its order instead of selling again ('' for orders persisted before this column).
-- redis_generations: the Redis generation marker each key prefix last worked with; a process that finds a
-- different marker in Redis while PostgreSQL holds commerce records knows Redis came back without them.

ALTER TABLE orders ADD COLUMN idem_key text NOT NULL DEFAULT '';

CREATE TABLE redis_generations (
    prefix      text PRIMARY KEY,
    generation  text NOT NULL,
    seen_at     timestamptz NOT NULL DEFAULT now()
);
