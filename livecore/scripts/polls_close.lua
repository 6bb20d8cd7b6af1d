-- polls_close: stop a poll taking votes; exactly one call closes it and appends its close to the outbox.
-- KEYS[1]  poll hash       lc:{r:ROOM}:poll:ID
-- KEYS[2]  open pointer    lc:{r:ROOM}:poll:open
-- ARGV[1]  poll id
-- ARGV[2]  now, epoch milliseconds (the caller's clock)
-- ARGV[3]  '1' to close before ends_at (the host), '0' to close only once ends_at has passed (the timer)
-- Returns  {'closed', 1} when this call closed it, {'closed', 0} when it was closed before,
--          or {'no', code} with code not_found | not_ended.
local b = redis.call('HMGET', KEYS[1], 'status', 'ends_at')
if not b[1] then
  return {'no', 'not_found'}
end
if b[1] == 'closed' then
  return {'closed', 0}
end
local now = tonumber(ARGV[2])
if ARGV[3] ~= '1' and now < tonumber(b[2]) then
  return {'no', 'not_ended'}
end
-- a host closing early ends the window now; at or after the deadline the window is what it was
local closed_at = math.min(now, tonumber(b[2]))
redis.call('HSET', KEYS[1], 'status', 'closed', 'closed_at', closed_at)
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
end
return {'closed', 1}
