-- share_visit: a viewer opened the room (or joined a group) through a verified share code; decides the
-- visit's count and the viewer's referrer, atomically. First touch wins within the attribution window.
-- KEYS[1]  attribution hash    lc:{r:ROOM}:share:attr      (user -> cjson {r, ch, at, g})
-- KEYS[2]  counted visits      lc:{r:ROOM}:share:seen      (set of "user|sharer|channel|via")
-- KEYS[3]  funnel hash         lc:{r:ROOM}:share:funnel    ("<channel>:<step>" -> count, "seq")
-- KEYS[4]  brought zset        lc:{r:ROOM}:share:brought   (referrer -> new viewers brought)
-- KEYS[5]  outbox stream       lc:{r:ROOM}:share:out       (persisted by the share worker)
-- ARGV[1]  the visiting user
-- ARGV[2]  the sharer (from the verified code)
-- ARGV[3]  channel: wechat | qq | link | poster
-- ARGV[4]  group id, or '' for the room
-- ARGV[5]  now, epoch milliseconds
-- ARGV[6]  attribution window, milliseconds: a touch at T holds for T <= t < T + window
-- ARGV[7]  via: visit | join
-- ARGV[8]  outbox MAXLEN (approximate)
-- ARGV[9]  how many referrers up the chain a loop is looked for (A->B->A is depth 1)
-- ARGV[10] key TTL, seconds
-- Returns  {'ok', outcome, referrer, channel, touched_at, counted(0|1)}: outcome 'new' (this code's sharer is now
--          the referrer) or 'kept' (an earlier touch within the window holds); counted = 1 when this visit was
--          counted (a repeated visit through the same sharer and channel counts once);
--          {'no', code}: self_referral (the sharer is the visitor) | referral_loop (the sharer was brought,
--          directly or up the chain, by the visitor). Nothing is written when refused.
local user, sharer, ch, group = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local now, window, via = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local depth, ttl = tonumber(ARGV[9]), tonumber(ARGV[10])
if user == sharer then
  return {'no', 'self_referral'}
end
local function live(raw)
  if not raw then
    return nil
  end
  local a = cjson.decode(raw)
  if a['at'] <= now and now < a['at'] + window then
    return a
  end
  return nil
end
-- the sharer's chain of live referrers must not lead back to the visitor
local up = sharer
for _ = 1, depth do
  local a = live(redis.call('HGET', KEYS[1], up))
  if not a then
    break
  end
  if a['r'] == user then
    return {'no', 'referral_loop'}
  end
  up = a['r']
end
-- every check passed: write
local counted = redis.call('SADD', KEYS[2], user .. '|' .. sharer .. '|' .. ch .. '|' .. via)
if counted == 1 then
  redis.call('HINCRBY', KEYS[3], ch .. ':' .. (via == 'join' and 'joins' or 'visits'), 1)
  local seq = redis.call('HINCRBY', KEYS[3], 'seq', 1)
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[8], '*', 'k', 'visit', 'seq', seq, 'user', user,
             'sharer', sharer, 'ch', ch, 'g', group, 'via', via, 'at', now)
end
local cur = live(redis.call('HGET', KEYS[1], user))
local outcome = 'kept'
if not cur then
  cur = {r = sharer, ch = ch, at = now, g = group}
  redis.call('HSET', KEYS[1], user, cjson.encode(cur))
  redis.call('HINCRBY', KEYS[3], ch .. ':new', 1)
  redis.call('ZINCRBY', KEYS[4], 1, sharer)
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[8], '*', 'k', 'referral', 'user', user, 'referrer', sharer,
             'ch', ch, 'g', group, 'via', via, 'at', now)
  outcome = 'new'
end
for i = 1, 4 do
  redis.call('EXPIRE', KEYS[i], ttl)
end
return {'ok', outcome, cur['r'], cur['ch'], cur['at'], counted}
