-- lottery_open: open a lottery (福袋) in a room; one open lottery per room at a time.
-- KEYS[1]  lottery hash        lc:{r:ROOM}:lottery:ID        (public fields; status 'open')
-- KEYS[2]  secret seed         lc:{r:ROOM}:lottery:ID:seed   (string, never published before the draw)
-- KEYS[3]  open pointer        lc:{r:ROOM}:lottery:open      (id of the room's open lottery)
-- ARGV[1]  lottery id
-- ARGV[2]  the secret seed (64 hex characters)
-- ARGV[3]  TTL of these keys in seconds
-- ARGV[4..] field, value pairs of the public hash (must include status = open and ends_at)
-- Returns  {'ok'} or {'no', 'busy', id_of_the_open_lottery} or {'no', 'exists'} when the id is taken.
local current = redis.call('GET', KEYS[3])
if current then
  return {'no', 'busy', current}
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {'no', 'exists'}
end
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
redis.call('SET', KEYS[3], ARGV[1], 'EX', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {'ok'}
