-- groupbuy_create: create a group deal (拼团) in Redis, once.
-- KEYS[1]  the deal hash                lc:{r:ROOM}:gb:DEAL
-- KEYS[2]  the room's deals (zset deal -> created at ms)  lc:{r:ROOM}:gb:deals
-- ARGV[1]  deal id
-- ARGV[2]  units available (integer > 0)
-- ARGV[3]  now, epoch ms
-- ARGV[4..] field, value pairs of the deal hash (room, product, title, size, price, fill_ms, per_user,
--           starts_at, ends_at)
-- Returns  1 when created, 0 when a deal with this id already exists (nothing is changed).
-- The counters: left (units not held), reserved (units held by members of open groups), confirmed (units of
-- complete groups), released (units given back by dissolved groups), opened / completed / dissolved groups.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local units = tonumber(ARGV[2])
if not units or units < 1 or units ~= math.floor(units) then
  return redis.error_reply('invalid units')
end
local fields = {}
for i = 4, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'units', units, 'left', units, 'reserved', 0, 'confirmed', 0,
  'released', 0, 'opened', 0, 'completed', 0, 'dissolved', 0, 'status', 'open', unpack(fields))
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
