-- groupbuy_expire: dissolve a group not full by its deadline (拼团失败): every member's unit goes back to the
-- deal and their hold on the per-user limit is released, exactly once. The group must still be open: a group
-- the last join completed first is left as it is (the join and this script each decide in one step).
-- KEYS[1]   the deal hash                      lc:{r:ROOM}:gb:DEAL
-- KEYS[2]   units held per user (hash)         lc:{r:ROOM}:gb:DEAL:users
-- KEYS[3]   the deal's open groups (zset)      lc:{r:ROOM}:gb:DEAL:open
-- KEYS[4]   the group's hash                   lc:{r:ROOM}:gbg:GROUP
-- KEYS[5]   the room's group timers (zset group -> due ms)
-- KEYS[6]   the room's group-buy outbox stream lc:{r:ROOM}:gb:out
-- ARGV[1]   the group id
-- ARGV[2]   now, epoch ms
-- ARGV[3]   MAXLEN (approximate) of the outbox stream
-- Returns   {'dissolved', members released} when dissolved now; {'not_due', deadline} when the deadline has
--           not passed; {'settled', status, told 0|1} when already settled (complete or dissolved); {'gone'} when the
--           group hash no longer exists (its timer entry is removed).
local g = redis.call('HMGET', KEYS[4], 'status', 'deadline', 'n', 'size', 'deal', 'leader', 'opened_at', 'price',
  'told')
if not g[1] then
  redis.call('ZREM', KEYS[5], ARGV[1])
  return {'gone'}
end
if g[1] ~= 'open' then
  return {'settled', g[1], tonumber(g[9] or '0')}
end
local now = tonumber(ARGV[2])
if now < tonumber(g[2]) then
  return {'not_due', tonumber(g[2])}
end
local n = tonumber(g[3])
local members = {}
for i = 1, n do
  local f = redis.call('HMGET', KEYS[4], 'm' .. i, 'o' .. i, 'k' .. i)
  members[i] = {f[1], f[2], f[3]}
  redis.call('HINCRBY', KEYS[2], f[1], -1)
end
redis.call('HSET', KEYS[4], 'status', 'dissolved', 'settled_at', now)
redis.call('HINCRBY', KEYS[1], 'left', n)
redis.call('HINCRBY', KEYS[1], 'reserved', -n)
redis.call('HINCRBY', KEYS[1], 'released', n)
redis.call('HINCRBY', KEYS[1], 'dissolved', 1)
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[3], '*', 'k', 'dissolve', 'group', ARGV[1], 'deal', g[5],
  'leader', g[6], 'size', g[4], 'opened_at', g[7], 'deadline', g[2], 'amount', g[8], 'at', now,
  'members', cjson.encode(members))
return {'dissolved', n}
