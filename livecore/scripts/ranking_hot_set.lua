-- ranking_hot_set: publish rooms' absolute hot scores into the platform hot ranking, on one landmark.
-- Each room's score is kept (by ranking_apply) relative to its own landmark. This script converts it to the
-- ranking's landmark, moving that landmark forward (and rescaling every member, dropping those decayed to
-- nothing) when a room reports a newer one. Scores only grow, so ZADD GT makes replays and out-of-order
-- publications from several workers harmless: the ranking keeps the newest (largest) value.
-- KEYS[1]  the hot ranking ZSET (lc:{rank}:hot): room -> score relative to the landmark
-- KEYS[2]  its meta HASH (lc:{rank}:hot:meta): L = landmark ms
-- ARGV[1]  half-life in ms
-- ARGV[2..] triples: room, score (relative to its landmark), landmark ms
-- Returns  the ranking's landmark ms after the call.
local H = tonumber(ARGV[1])
local L = tonumber(redis.call('HGET', KEYS[2], 'L') or '-1')
local newest = L
for i = 2, #ARGV, 3 do
  local lm = tonumber(ARGV[i + 2])
  if lm > newest then newest = lm end
end
if newest > L then
  if L >= 0 then
    local factor = 2 ^ (-(newest - L) / H)
    local all = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
    for i = 1, #all, 2 do
      redis.call('ZADD', KEYS[1], tonumber(all[i + 1]) * factor, all[i])
    end
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '1e-9')
  end
  L = newest
  redis.call('HSET', KEYS[2], 'L', L)
end
for i = 2, #ARGV, 3 do
  local s = tonumber(ARGV[i + 1]) * 2 ^ ((tonumber(ARGV[i + 2]) - L) / H)
  if s > 0 then
    redis.call('ZADD', KEYS[1], 'GT', s, ARGV[i])
  end
end
return L
