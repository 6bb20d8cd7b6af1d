-- lottery_enter: one viewer enters a lottery, at most once.
-- KEYS[1]  lottery hash   lc:{r:ROOM}:lottery:ID            (status, ends_at)
-- KEYS[2]  entries        lc:{r:ROOM}:lottery:ID:entries    (sorted set user -> entry time in ms)
-- ARGV[1]  user id
-- ARGV[2]  now, epoch milliseconds (the caller's clock)
-- ARGV[3]  '1' when the caller has checked the entry condition (keyword, follow, watch, purchase), else '0'
-- Returns  {'entered', entries} | {'already', entries} | {'no', code} with code one of
--          not_found | ended | not_eligible. An entry is accepted while now < ends_at and status is open.
--          'already' wins over 'not_eligible', so a viewer who entered is told so.
local b = redis.call('HMGET', KEYS[1], 'status', 'ends_at')
if not b[1] then
  return {'no', 'not_found'}
end
if b[1] ~= 'open' or tonumber(ARGV[2]) >= tonumber(b[2]) then
  return {'no', 'ended'}
end
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  return {'already', redis.call('ZCARD', KEYS[2])}
end
if ARGV[3] ~= '1' then
  return {'no', 'not_eligible'}
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[2], ttl)
end
return {'entered', redis.call('ZCARD', KEYS[2])}
