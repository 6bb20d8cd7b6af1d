-- coupon_redeem: apply one claimed coupon to one order at payment, exactly once.
-- KEYS[1]  batch hash     lc:{r:ROOM}:coupon:BATCH          (counts 'redeemed', numbers redemptions 'rseq')
-- KEYS[2]  claims hash    lc:{r:ROOM}:coupon:BATCH:claims   (seq -> cjson {user, at, vf, vu, key})
-- KEYS[3]  used hash      lc:{r:ROOM}:coupon:BATCH:used     (seq -> "order\nredemption id\ndiscount")
-- KEYS[4]  outbox stream  lc:{r:ROOM}:claims                (persisted to coupon_redemptions by a worker)
-- ARGV[1]  claim sequence number within the batch (the claim id is BATCH-SEQ)
-- ARGV[2]  user id (must own the claim)
-- ARGV[3]  order id
-- ARGV[4]  order amount in cents (recorded)
-- ARGV[5]  discount in cents, computed by the caller from the batch's immutable terms
-- ARGV[6]  now, epoch milliseconds (the caller's clock)
-- ARGV[7]  outbox stream MAXLEN (approximate)
-- Returns  {'ok', redemption_id, discount, replayed(0|1)}: the same order redeeming the same claim again gets
--          the first answer with replayed = 1; {'no', code} otherwise, code one of
--          not_found | not_owner | already_used | not_yet_valid | expired.
-- Rules    valid in [valid_from, valid_until). Nothing is written before every check has passed.
local seq, user, order, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[6])
local batch_id = redis.call('HGET', KEYS[1], 'id')
local raw = redis.call('HGET', KEYS[2], seq)
if not batch_id or not raw then
  return {'no', 'not_found'}
end
local claim = cjson.decode(raw)
if claim['user'] ~= user then
  return {'no', 'not_owner'}
end
local used = redis.call('HGET', KEYS[3], seq)
if used then
  local u_order, u_rid, u_discount = string.match(used, '^(.*)\n(.*)\n(%d+)$')
  if u_order == order then
    return {'ok', u_rid, tonumber(u_discount), 1}
  end
  return {'no', 'already_used'}
end
if now < tonumber(claim['vf']) then
  return {'no', 'not_yet_valid'}
end
if now >= tonumber(claim['vu']) then
  return {'no', 'expired'}
end
-- every check passed: write
local claim_id = batch_id .. '-' .. seq
local rid = claim_id .. '#' .. redis.call('HINCRBY', KEYS[1], 'rseq', 1)
redis.call('HINCRBY', KEYS[1], 'redeemed', 1)
redis.call('HSET', KEYS[3], seq, order .. '\n' .. rid .. '\n' .. ARGV[5])
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[3], ttl)
end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[7], '*', 'k', 'redeem', 'id', rid, 'claim', claim_id,
           'batch', batch_id, 'user', user, 'order', order, 'amount', ARGV[4], 'discount', ARGV[5], 'at', now)
return {'ok', rid, tonumber(ARGV[5]), 0}
