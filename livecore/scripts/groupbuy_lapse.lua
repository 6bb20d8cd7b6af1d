-- groupbuy_lapse: the payment window of a complete group has closed: every member who has not paid lapses
-- (their order is void), their unit goes back to the deal and their hold on the per-user limit is released, each
-- exactly once. A member who paid first keeps their order (groupbuy_pay.lua decides on the same status field).
-- KEYS[1]   the group's hash                   lc:{r:ROOM}:gbg:GROUP
-- KEYS[2]   the deal hash                      lc:{r:ROOM}:gb:DEAL
-- KEYS[3]   units held per user (hash)         lc:{r:ROOM}:gb:DEAL:users
-- KEYS[4]   the room's payment deadlines of complete groups (zset group -> pay_by ms)
-- KEYS[5]   the room's group-buy outbox stream lc:{r:ROOM}:gb:out
-- ARGV[1]   the group id
-- ARGV[2]   now, epoch ms
-- ARGV[3]   MAXLEN (approximate) of the outbox stream
-- Returns   {'lapsed', members lapsed now} (its deadline entry removed); {'not_due', pay_by}; {'gone'} when the
--           group is missing or not complete (its deadline entry removed).
-- Outbox    'lapse' with the group's header and the lapsed members [[user, order, key, joined_ms, seq], ...].
local g = redis.call('HMGET', KEYS[1], 'status', 'pay_by', 'size', 'deal', 'leader', 'opened_at', 'deadline',
  'price')
if g[1] ~= 'complete' or not g[2] then
  redis.call('ZREM', KEYS[4], ARGV[1])
  return {'gone'}
end
local now = tonumber(ARGV[2])
if now < tonumber(g[2]) then
  return {'not_due', tonumber(g[2])}
end
local lapsed = {}
for i = 1, tonumber(g[3]) do
  local f = redis.call('HMGET', KEYS[1], 'm' .. i, 'o' .. i, 'k' .. i, 't' .. i, 'ps' .. i)
  if f[1] and not f[5] then
    redis.call('HSET', KEYS[1], 'ps' .. i, 'lapsed', 'pa' .. i, now)
    redis.call('HINCRBY', KEYS[3], f[1], -1)
    lapsed[#lapsed + 1] = {f[1], f[2], f[3], tonumber(f[4] or g[6]), i}
  end
end
redis.call('ZREM', KEYS[4], ARGV[1])
local n = #lapsed
if n > 0 then
  redis.call('HINCRBY', KEYS[1], 'lapsed', n)
  redis.call('HINCRBY', KEYS[2], 'left', n)
  redis.call('HINCRBY', KEYS[2], 'confirmed', -n)
  redis.call('HINCRBY', KEYS[2], 'lapsed', n)
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[3], '*', 'k', 'lapse', 'group', ARGV[1], 'deal', g[4],
    'leader', g[5], 'size', g[3], 'opened_at', g[6], 'deadline', g[7], 'amount', g[8], 'at', now,
    'members', cjson.encode(lapsed))
end
return {'lapsed', n}
