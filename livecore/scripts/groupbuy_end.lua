-- groupbuy_end: the host stops a group deal: no group opens or joins any more (open groups still dissolve at
-- their deadline, or complete if they already have).
-- KEYS[1]  the deal hash                lc:{r:ROOM}:gb:DEAL
-- ARGV[1]  now, epoch ms
-- Returns  1 when the deal was stopped now, 0 when it was already stopped, -1 when it is unknown.
local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  return -1
end
if status ~= 'open' then
  return 0
end
redis.call('HSET', KEYS[1], 'status', 'ended', 'ended_at', ARGV[1])
return 1
