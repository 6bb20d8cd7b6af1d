-- sale_advance: move a sale's announced phase forward when its time has come, exactly once.
-- The caller publishes the matching reliable room event (SaleEvent) only when this returns a phase, so
-- several sweepers (or the API and a sweeper) racing on the same sale announce it once. Some time after the
-- end the sale is retired: it leaves the room state (the caller removes its fields) and its keys start to
-- expire (PostgreSQL keeps the sale and its orders).
-- KEYS[1]  the sale hash lc:{r:ROOM}:sale:ID
-- KEYS[2..] the sale's other keys (stock counter, units per user, order ids): expire with the hash
-- ARGV[1]  now, epoch ms
-- ARGV[2]  grace ms: the sale is retired once now >= ends_at + grace
-- ARGV[3]  retention s: TTL given to every key of the sale when it is retired
-- Returns  'started', 'ended' or 'retired' when the phase moved now, '' when nothing is due yet, 'final' when
--          the sale was retired before (nothing will be due again), 'not_found' without a sale.
local s = redis.call('HMGET', KEYS[1], 'phase', 'starts_at', 'ends_at', 'retired')
if not s[2] then
  return 'not_found'
end
local now = tonumber(ARGV[1])
local phase = s[1] or 'scheduled'
if s[4] then
  return 'final'
end
if phase == 'ended' then
  if now >= tonumber(s[3]) + tonumber(ARGV[2]) then
    redis.call('HSET', KEYS[1], 'retired', now)
    for i = 1, #KEYS do
      redis.call('EXPIRE', KEYS[i], ARGV[3])
    end
    return 'retired'
  end
  return ''
end
if now >= tonumber(s[3]) then
  redis.call('HSET', KEYS[1], 'phase', 'ended')
  return 'ended'
end
if phase == 'scheduled' and now >= tonumber(s[2]) then
  redis.call('HSET', KEYS[1], 'phase', 'started')
  return 'started'
end
return ''
