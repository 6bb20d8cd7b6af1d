-- ranking_session_start: the viewers already in the room when it goes live enter the new session.
-- Their watch time in the session counts from the go-live, so their enter time moves up to it.
-- KEYS[1]  the room's HASH user -> enter ts ms (lc:{r:ID}:rk:in; "L<ts>" values are leaves awaiting their enter)
-- KEYS[2]  the new session's entered SET (lc:{r:ID}:rk:f:<session>:enter)
-- ARGV[1]  the go-live time, epoch ms
-- ARGV[2]  TTL of the entered set in seconds
-- Returns  the number of viewers entered.
local start = tonumber(ARGV[1])
local all = redis.call('HGETALL', KEYS[1])
local entered = 0
for i = 1, #all, 2 do
  local v = all[i + 1]
  if string.sub(v, 1, 1) ~= 'L' then
    entered = entered + redis.call('SADD', KEYS[2], all[i])
    if tonumber(v) < start then redis.call('HSET', KEYS[1], all[i], ARGV[1]) end
  end
end
if entered > 0 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return entered
