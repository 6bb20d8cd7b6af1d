-- lottery_cancel: cancel an open lottery (no draw); its seed is never revealed.
-- KEYS[1]  lottery hash   lc:{r:ROOM}:lottery:ID
-- KEYS[2]  open pointer   lc:{r:ROOM}:lottery:open
-- ARGV[1]  lottery id
-- Returns  1 when it was open and is now cancelled, 0 otherwise (unknown, drawing, drawn, cancelled).
if redis.call('HGET', KEYS[1], 'status') ~= 'open' then
  return 0
end
redis.call('HSET', KEYS[1], 'status', 'cancelled')
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
end
return 1
