-- sale_restore: put a sale lost by Redis back from PostgreSQL's record, last step of `livecore restore`.
-- The caller has already written the sale's orders, units per user and idempotency records; this writes the
-- sale hash and its stock in one step, so the sale sells again only once everything else is back. A sale that
-- Redis still (or already) holds is left alone.
-- KEYS[1]  the sale hash            lc:{r:ROOM}:sale:ID
-- KEYS[2]  the sale's stock counter lc:{r:ROOM}:sale:ID:stock
-- KEYS[3]  the room's set of sales  lc:{r:ROOM}:sales
-- ARGV[1]  sale id
-- ARGV[2]  quantity (as created)
-- ARGV[3]  stock: quantity minus the units of the sale's persisted live (reserved or paid) orders
-- ARGV[4]  sold: those units
-- ARGV[5]  restored_at, epoch ms (reconcile counts orders persisted before it as accounted for)
-- ARGV[6..] field, value pairs of the sale hash (room, product, sku, title, price, per_user, starts_at,
--           ends_at in epoch ms)
-- Returns  1 when restored, 0 when the sale exists in Redis (nothing is changed).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local stock = tonumber(ARGV[3])
if not stock or stock < 0 or stock ~= math.floor(stock) then
  return redis.error_reply('invalid stock')
end
local fields = {}
for i = 6, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], 'quantity', ARGV[2], 'sold', ARGV[4], 'phase', 'scheduled', 'restored_at', ARGV[5],
  unpack(fields))
redis.call('SET', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[1])
return 1
