-- coupon_release: give a redeemed coupon back when its order is cancelled or expires, exactly once.
-- KEYS[1]  batch hash     lc:{r:ROOM}:coupon:BATCH
-- KEYS[2]  used hash      lc:{r:ROOM}:coupon:BATCH:used     (seq -> "order\nredemption id\ndiscount")
-- KEYS[3]  outbox stream  lc:{r:ROOM}:claims
-- ARGV[1]  claim sequence number within the batch
-- ARGV[2]  order id; only a redemption by this order is released
-- ARGV[3]  now, epoch milliseconds (the caller's clock)
-- ARGV[4]  outbox stream MAXLEN (approximate)
-- Returns  the redemption id released, or false (nil) when this order holds no redemption of the claim
--          (never redeemed, or already released: a second release does nothing).
local used = redis.call('HGET', KEYS[2], ARGV[1])
if not used then
  return false
end
local u_order, u_rid = string.match(used, '^(.*)\n(.*)\n%d+$')
if u_order ~= ARGV[2] then
  return false
end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[1], 'redeemed', -1)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'k', 'release', 'id', u_rid, 'order', ARGV[2],
           'at', ARGV[3])
return u_rid
