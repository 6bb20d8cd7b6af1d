-- lottery_close: stop taking entries so the draw can read a final entry list.
-- KEYS[1]  lottery hash   lc:{r:ROOM}:lottery:ID
-- KEYS[2]  open pointer   lc:{r:ROOM}:lottery:open
-- ARGV[1]  lottery id
-- ARGV[2]  now, epoch milliseconds (the caller's clock)
-- ARGV[3]  '1' to close before ends_at (the host draws early), '0' to close only once ends_at has passed
-- Returns  {'closed'} (status is now 'drawing'; also when a previous draw stopped half-way),
--          {'drawn'} when already drawn, or {'no', code} with code not_found | cancelled | not_ended.
local b = redis.call('HMGET', KEYS[1], 'status', 'ends_at')
if not b[1] then
  return {'no', 'not_found'}
end
if b[1] == 'drawn' then
  return {'drawn'}
end
if b[1] == 'cancelled' then
  return {'no', 'cancelled'}
end
if b[1] == 'open' then
  if ARGV[3] ~= '1' and tonumber(ARGV[2]) < tonumber(b[2]) then
    return {'no', 'not_ended'}
  end
  redis.call('HSET', KEYS[1], 'status', 'drawing', 'closed_at', ARGV[2])
end
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
end
return {'closed'}
