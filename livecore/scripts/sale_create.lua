-- sale_create: create a flash sale in Redis (its hash and its stock), once.
-- KEYS[1]  the sale hash            lc:{r:ROOM}:sale:ID
-- KEYS[2]  the sale's stock counter lc:{r:ROOM}:sale:ID:stock
-- KEYS[3]  the room's set of sales  lc:{r:ROOM}:sales
-- ARGV[1]  sale id
-- ARGV[2]  quantity (initial stock, integer > 0)
-- ARGV[3..] field, value pairs of the sale hash (room, product, sku, title, price, per_user,
--           starts_at, ends_at in epoch ms, ...)
-- Returns  1 when created, 0 when a sale with this id already exists (nothing is changed).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local qty = tonumber(ARGV[2])
if not qty or qty < 1 or qty ~= math.floor(qty) then
  return redis.error_reply('invalid quantity')
end
local fields = {}
for i = 3, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], 'quantity', ARGV[2], 'sold', 0, 'phase', 'scheduled', unpack(fields))
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
return 1
