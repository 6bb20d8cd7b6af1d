-- room_publish_once: room_publish for an event that must be told exactly once (a lottery's result): appends and
-- publishes it only if the flag is not yet set, and sets the flag in the same step, so a retry, a second
-- announcer or a crash right after publishing can never tell the room twice.
-- KEYS[1]  the room's event stream (lc:{r:ID}:events)
-- KEYS[2]  the hash holding the flag (a key of the same room, e.g. the lottery's hash)
-- ARGV[1]  pub/sub channel of the room (lc:{r:ID}:bus)
-- ARGV[2]  the event, JSON text
-- ARGV[3]  MAXLEN (approximate) of the stream
-- ARGV[4]  TTL of the stream in seconds
-- ARGV[5]  the flag's field in KEYS[2]
-- Returns  the stream entry id (the event's offset), or false when the event had already been told.
if redis.call('HGET', KEYS[2], ARGV[5]) == '1' then
  return false
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'e', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[1], 'R' .. id .. '\n' .. ARGV[2])
redis.call('HSET', KEYS[2], ARGV[5], '1')
return id
