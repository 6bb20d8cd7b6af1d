-- polls_restore: put an open poll Redis lost back from PostgreSQL's record, last step of `livecore restore`.
-- The caller has already written the poll's votes and tallies from the persisted votes; this writes the poll hash
-- (and its seed, and the room's open pointer) in one step, so the poll takes votes again only once they are
-- back. A poll Redis still (or already) holds is left alone.
-- KEYS[1]  poll hash       lc:{r:ROOM}:poll:ID        (as polls_open writes it; status open, or closed when the
--                                                     host's close is on record)
-- KEYS[2]  open pointer    lc:{r:ROOM}:poll:open      (id of the room's open poll)
-- KEYS[3]  secret seed     lc:{r:ROOM}:poll:ID:seed   (a quiz's draw seed, as recorded at the opening)
-- ARGV[1]  poll id
-- ARGV[2]  TTL of these keys in seconds
-- ARGV[3]  the seed ('' when the poll draws nothing)
-- ARGV[4]  '1' to take the room's open pointer when it is free (a poll still taking votes), '0' not to
-- ARGV[5..] field, value pairs of the public hash
-- Returns  {'present'} when the hash exists (nothing is changed); {'ok', pointed(1|0), other} where pointed = 1
--          when the pointer is this poll's, other = the poll holding it otherwise ('' when none).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {'present'}
end
for i = 5, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[2])
end
if ARGV[4] == '1' then
  redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2])
end
local current = redis.call('GET', KEYS[2])
if current == ARGV[1] then
  return {'ok', 1, ''}
end
return {'ok', 0, current or ''}
