-- share_help: a friend helps a viewer unlock the room's help coupon (好友助力); each distinct friend counts once
-- and reaching the campaign's need unlocks it exactly once.
-- KEYS[1]  campaign hash       lc:{r:ROOM}:share:help                      (id, need, batch, status)
-- KEYS[2]  helpers set         lc:{r:ROOM}:share:help:CAMPAIGN:by:ASKER    (friends who helped)
-- KEYS[3]  unlocked hash       lc:{r:ROOM}:share:help:CAMPAIGN:unlocked    (asker -> ms unlocked)
-- KEYS[4]  outbox stream       lc:{r:ROOM}:share:out
-- ARGV[1]  the helping friend
-- ARGV[2]  the asker (the sharer of the verified help code)
-- ARGV[3]  the campaign id the caller read (a campaign replaced in between refuses with 'ended')
-- ARGV[4]  now, epoch ms
-- ARGV[5]  outbox MAXLEN (approximate)
-- ARGV[6]  key TTL, seconds
-- Returns  {'ok', helps, need, unlocked_now(0|1), replayed(0|1)}: replayed = 1 for a friend who had helped
--          already (nothing written); unlocked_now = 1 only on the help that reached the need;
--          {'no', code}: not_found (no campaign) | ended | self_help | already (the asker unlocked it already).
local c = redis.call('HMGET', KEYS[1], 'id', 'need', 'status', 'batch')
if not c[1] then
  return {'no', 'not_found'}
end
if c[1] ~= ARGV[3] or c[3] ~= 'active' then
  return {'no', 'ended'}
end
local helper, asker, need = ARGV[1], ARGV[2], tonumber(c[2])
if helper == asker then
  return {'no', 'self_help'}
end
if redis.call('SISMEMBER', KEYS[2], helper) == 1 then
  return {'ok', redis.call('SCARD', KEYS[2]), need, 0, 1}
end
if redis.call('HEXISTS', KEYS[3], asker) == 1 then
  return {'no', 'already'}
end
-- every check passed: write
redis.call('SADD', KEYS[2], helper)
local helps = redis.call('SCARD', KEYS[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[6]))
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], '*', 'k', 'help', 'campaign', c[1], 'asker', asker,
           'helper', helper, 'n', helps, 'at', ARGV[4])
local unlocked = 0
if helps >= need then
  redis.call('HSET', KEYS[3], asker, ARGV[4])
  redis.call('EXPIRE', KEYS[3], tonumber(ARGV[6]))
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], '*', 'k', 'unlock', 'campaign', c[1], 'asker', asker,
             'batch', c[4], 'n', helps, 'at', ARGV[4])
  unlocked = 1
end
return {'ok', helps, need, unlocked, 0}
