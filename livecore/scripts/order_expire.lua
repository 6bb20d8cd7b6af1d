-- order_expire: expire an unpaid order whose payment window has passed and give its stock back, exactly once.
-- Atomic against order_pay: only a 'reserved' order past its deadline changes, so a payment that won the
-- race keeps its units and an expired order can no longer be paid.
-- KEYS[1]  the order hash                lc:{r:ROOM}:order:ID
-- KEYS[2]  the sale's stock counter      lc:{r:ROOM}:sale:SALE:stock
-- KEYS[3]  units bought per user (hash)  lc:{r:ROOM}:sale:SALE:users
-- KEYS[4]  the sale hash                 lc:{r:ROOM}:sale:SALE
-- KEYS[5]  the room's payment deadlines  lc:{r:ROOM}:orders:deadlines
-- KEYS[6]  the room's orders stream (the "expired" entry is persisted by the order worker)
-- KEYS[7]  the room's expired orders whose coupon is still to be given back (a set; emptied by the caller
--          after the release, and by the sweeper if the caller died first)
-- ARGV[1]  order id
-- ARGV[2]  sale id the keys above were built for (checked against the order)
-- ARGV[3]  now, epoch ms
-- ARGV[4]  MAXLEN (approximate) of the orders stream
-- Returns  {'expired', stock_after} when it expired now; {'early', expires_at} when not due yet;
--          {'skip', status} when already paid or expired; {'gone'} when the order is unknown.
local o = redis.call('HMGET', KEYS[1], 'status', 'sale', 'user', 'qty', 'expires_at', 'amount', 'product',
  'sku', 'created_at')
if not o[1] then
  redis.call('ZREM', KEYS[5], ARGV[1])
  return {'gone'}
end
if o[2] ~= ARGV[2] then
  return redis.error_reply('order ' .. ARGV[1] .. ' belongs to sale ' .. o[2])
end
if o[1] ~= 'reserved' then
  redis.call('ZREM', KEYS[5], ARGV[1])
  return {'skip', o[1]}
end
if tonumber(ARGV[3]) < tonumber(o[5]) then
  return {'early', tonumber(o[5])}
end
local qty = tonumber(o[4])
redis.call('HSET', KEYS[1], 'status', 'expired', 'expired_at', ARGV[3])
local left = redis.call('INCRBY', KEYS[2], qty)
redis.call('HINCRBY', KEYS[3], o[3], -qty)
redis.call('HINCRBY', KEYS[4], 'sold', -qty)
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('SADD', KEYS[7], ARGV[1])
redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[4], '*', 'k', 'expired', 'o', ARGV[1], 's', o[2], 'u', o[3],
  'q', o[4], 'a', o[6], 'p', o[7], 'sku', o[8], 't', o[9], 'x', o[5], 'et', ARGV[3])
return {'expired', left}
