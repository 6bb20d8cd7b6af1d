-- sale_window: start a scheduled sale now, or stop a sale early, by moving its window edge to now.
-- KEYS[1]  the sale hash lc:{r:ROOM}:sale:ID
-- ARGV[1]  'start' (starts_at := min(starts_at, now)) or 'stop' (ends_at := min(ends_at, now), and
--          starts_at := min(starts_at, now) so a sale stopped before it began reads as ended)
-- ARGV[2]  now, epoch ms
-- Returns  {starts_at, ends_at} after the change, or {} when there is no such sale.
local s = redis.call('HMGET', KEYS[1], 'starts_at', 'ends_at')
if not s[1] then
  return {}
end
local now = tonumber(ARGV[2])
local starts, ends = tonumber(s[1]), tonumber(s[2])
if ARGV[1] == 'start' then
  if now < ends and now < starts then
    starts = now
  end
elseif ARGV[1] == 'stop' then
  if now < ends then
    ends = now
  end
  if now < starts then
    starts = now
  end
else
  return redis.error_reply('unknown action')
end
redis.call('HSET', KEYS[1], 'starts_at', starts, 'ends_at', ends)
return {starts, ends}
