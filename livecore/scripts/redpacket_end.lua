-- redpacket_end: close a red packet's grab window for good (the timer at ends_at, or the host early).
-- KEYS[1]  packet hash      lc:{r:ROOM}:rp:ID
-- KEYS[2]  room phrases     lc:{r:ROOM}:rp:phrases      (its phrase is removed when it points at this packet)
-- ARGV[1]  now, epoch milliseconds
-- ARGV[2]  '1' to end before ends_at (the host), '0' only once ends_at has passed (the timer)
-- Returns  {'ended', grabbed, given, total, count, first(1|0)}: first = 1 for the call that ended it, 0 when it had
--          ended before (a repeated end answers the same figures); {'no', 'not_found' | 'not_ended'}.
--          After this no grab succeeds, so grabbed and given are final.
local b = redis.call('HMGET', KEYS[1], 'status', 'ends_at', 'next', 'given', 'total', 'count', 'phrase', 'id')
if not b[1] then
  return {'no', 'not_found'}
end
local first = 0
if b[1] ~= 'ended' then
  if ARGV[2] ~= '1' and tonumber(ARGV[1]) < tonumber(b[2]) then
    return {'no', 'not_ended'}
  end
  redis.call('HSET', KEYS[1], 'status', 'ended', 'ended_at', ARGV[1])
  first = 1
end
if b[7] and b[7] ~= '' then
  local held = redis.call('HGET', KEYS[2], b[7])
  if held and string.match(held, '^(.*)|') == b[8] then
    redis.call('HDEL', KEYS[2], b[7])
  end
end
return {'ended', tonumber(b[3]), tonumber(b[4]), tonumber(b[5]), tonumber(b[6]), first}
