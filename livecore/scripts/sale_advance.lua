-- sale_advance: move a sale's announced phase forward when its time has come, exactly once.
-- The caller publishes the matching reliable room event (SaleEvent) only when this returns a phase, so
-- several sweepers (or the API and a sweeper) racing on the same sale announce it once.
-- KEYS[1]  the sale hash lc:{r:ROOM}:sale:ID
-- ARGV[1]  now, epoch ms
-- Returns  'started' or 'ended' when the phase moved now, '' when nothing is due, 'not_found' without a sale.
local s = redis.call('HMGET', KEYS[1], 'phase', 'starts_at', 'ends_at')
if not s[2] then
  return 'not_found'
end
local now = tonumber(ARGV[1])
local phase = s[1] or 'scheduled'
if phase ~= 'ended' and now >= tonumber(s[3]) then
  redis.call('HSET', KEYS[1], 'phase', 'ended')
  return 'ended'
end
if phase == 'scheduled' and now >= tonumber(s[2]) then
  redis.call('HSET', KEYS[1], 'phase', 'started')
  return 'started'
end
return ''
