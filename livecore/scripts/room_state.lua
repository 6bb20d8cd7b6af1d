-- room_state: set latest-value-wins state fields of a room and publish the change to the gateways.
-- KEYS[1]  the room's state hash (lc:{r:ID}:state)
-- ARGV[1]  pub/sub channel of the room (lc:{r:ID}:bus)
-- ARGV[2]  the change as one JSON object (published as "S<json>")
-- ARGV[3]  TTL of the state hash in seconds (0 keeps it)
-- ARGV[4..] field, JSON value pairs; the JSON value "null" deletes the field
-- Returns  the number of fields written.
local n = 0
for i = 4, #ARGV, 2 do
  if ARGV[i + 1] == 'null' then
    redis.call('HDEL', KEYS[1], ARGV[i])
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
  n = n + 1
end
if tonumber(ARGV[3]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
redis.call('PUBLISH', ARGV[1], 'S' .. ARGV[2])
return n
