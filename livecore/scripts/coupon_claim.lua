-- coupon_claim: one viewer claims one coupon of a batch (限时优惠券), decided atomically.
-- KEYS[1]  batch hash          lc:{r:ROOM}:coupon:BATCH         (terms, total, remaining, window, status, seq)
-- KEYS[2]  per-user counts     lc:{r:ROOM}:coupon:BATCH:users   (user -> coupons claimed)
-- KEYS[3]  idempotency hash    lc:{r:ROOM}:coupon:BATCH:idem    (ARGV[5] -> claim id)
-- KEYS[4]  claims hash         lc:{r:ROOM}:coupon:BATCH:claims  (seq -> cjson {user, at, vf, vu, key})
-- KEYS[5]  the user's coupons  lc:{r:ROOM}:coupons:held:USER    (set of claim ids in this room)
-- KEYS[6]  outbox stream       lc:{r:ROOM}:claims               (persisted to coupon_claims by a worker)
-- ARGV[1]  user id
-- ARGV[2]  idempotency key chosen by the client
-- ARGV[3]  now, epoch milliseconds (the caller's clock)
-- ARGV[4]  outbox stream MAXLEN (approximate)
-- ARGV[5]  the idempotency record's field: the user and key pair named by livecore.idem.idem_id
-- Returns  {'ok', claim_id, remaining, valid_from, valid_until, replayed(0|1)} on success; a retry with the
--          same user and key returns the first claim with replayed = 1 and writes nothing;
--          {'no', code} otherwise, code one of not_found | ended | not_started | limit_reached | sold_out.
-- Rules    claim window is [starts_at, ends_at); a claim is valid from max(now, valid_from) until the
--          earlier of valid_until and now + valid_for_ms (a 0 means "not set"). Nothing is written before
--          every check has passed.
local user, key, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'no', 'not_found'}
end
local idem_field = ARGV[5]
local previous = redis.call('HGET', KEYS[3], idem_field)
if previous then
  local seq = string.match(previous, '%-(%d+)$')
  local record = cjson.decode(redis.call('HGET', KEYS[4], seq))
  local remaining = tonumber(redis.call('HGET', KEYS[1], 'remaining'))
  return {'ok', previous, remaining, record['vf'], record['vu'], 1}
end
local b = redis.call('HMGET', KEYS[1], 'status', 'starts_at', 'ends_at', 'per_user', 'remaining',
                     'valid_from', 'valid_until', 'valid_for_ms', 'id')
if b[1] ~= 'active' then
  return {'no', 'ended'}
end
if now < tonumber(b[2]) then
  return {'no', 'not_started'}
end
if now >= tonumber(b[3]) then
  return {'no', 'ended'}
end
local held = tonumber(redis.call('HGET', KEYS[2], user) or '0')
if held >= tonumber(b[4]) then
  return {'no', 'limit_reached'}
end
local remaining = tonumber(b[5])
if remaining <= 0 then
  return {'no', 'sold_out'}
end
local vf = math.max(now, tonumber(b[6]))
local vu = tonumber(b[7])
local for_ms = tonumber(b[8])
if for_ms > 0 and (vu == 0 or now + for_ms < vu) then
  vu = now + for_ms
end
-- every check passed: write
remaining = redis.call('HINCRBY', KEYS[1], 'remaining', -1)
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local claim_id = b[9] .. '-' .. seq
redis.call('HINCRBY', KEYS[2], user, 1)
redis.call('HSET', KEYS[3], idem_field, claim_id)
redis.call('HSET', KEYS[4], seq, cjson.encode({user = user, at = now, vf = vf, vu = vu, key = key}))
redis.call('SADD', KEYS[5], claim_id)
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then
  for i = 2, 4 do
    redis.call('EXPIRE', KEYS[i], ttl)
  end
  if redis.call('TTL', KEYS[5]) < ttl then
    redis.call('EXPIRE', KEYS[5], ttl)
  end
end
redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[4], '*', 'k', 'claim', 'id', claim_id, 'batch', b[9],
           'user', user, 'key', key, 'at', now, 'vf', vf, 'vu', vu)
return {'ok', claim_id, remaining, vf, vu, 0}
