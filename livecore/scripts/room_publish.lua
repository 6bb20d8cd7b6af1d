-- room_publish: append a reliable room event to the room's bounded stream and publish it to the gateways.
-- KEYS[1]  the room's event stream (lc:{r:ID}:events)
-- ARGV[1]  pub/sub channel of the room (lc:{r:ID}:bus)
-- ARGV[2]  the event, JSON text
-- ARGV[3]  MAXLEN (approximate) of the stream
-- ARGV[4]  TTL of the stream in seconds
-- Returns  the stream entry id, which is the event's offset.
-- The gateway receives "R<offset>\n<event>" so stream order and delivery order are the same.
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'e', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[1], 'R' .. id .. '\n' .. ARGV[2])
return id
