-- ranking_members: heartbeat of one ranking consumer; returns the live consumers (room affinity).
-- Time is Redis' own (TIME), so consumers on hosts with skewed clocks agree on who is live.
-- KEYS[1]  ZSET consumer name -> expiry (ms, Redis time) of its last heartbeat ({rank}:consumers)
-- ARGV[1]  the consumer's name
-- ARGV[2]  time to live of this heartbeat (ms): without a newer one, the consumer counts as gone after it
-- ARGV[3]  "join" (register or refresh) or "leave" (a clean stop: hand the rooms over at once)
-- Returns  the names of the live consumers (expiry in the future), sorted, after expired ones are removed.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[3] == 'leave' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ttl * 10)
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
table.sort(live)
return live
