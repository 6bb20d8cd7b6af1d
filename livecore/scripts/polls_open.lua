-- polls_open: open a poll in a room; one open poll per room at a time (the close clears the pointer).
-- KEYS[1]  poll hash       lc:{r:ROOM}:poll:ID        (public fields; status 'open')
-- KEYS[2]  open pointer    lc:{r:ROOM}:poll:open      (id of the room's open poll)
-- KEYS[3]  secret seed     lc:{r:ROOM}:poll:ID:seed   (a quiz's draw seed, never published before the close)
-- ARGV[1]  poll id
-- ARGV[2]  TTL of these keys in seconds
-- ARGV[3]  the seed ('' when the poll draws nothing)
-- ARGV[4..] field, value pairs of the public hash
-- Returns  {'ok'} or {'no', 'busy', id_of_the_open_poll} or {'no', 'exists'}.
local current = redis.call('GET', KEYS[2])
if current then
  return {'no', 'busy', current}
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {'no', 'exists'}
end
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[2])
end
return {'ok'}
