-- ranking_watch_sweep: move viewers still in the room 60 s after entering to the "watched" funnel step.
-- ranking_apply promotes a viewer when they do something after 60 s; a silent viewer is caught here.
-- KEYS[1]  the room's HASH user -> enter ts ms (lc:{r:ID}:rk:in; "L<ts>" values are leaves awaiting their enter)
-- KEYS[2]  the session's watched SET (lc:{r:ID}:rk:f:<session>:watch)
-- KEYS[3]  the session's entered SET (lc:{r:ID}:rk:f:<session>:enter): a watcher has entered
-- ARGV[1]  now ms (the caller's clock)
-- ARGV[2]  minimum watch ms (60000)
-- ARGV[3]  TTL of the watched set in seconds
-- Returns  the number of viewers added to the set.
local now = tonumber(ARGV[1])
local min = tonumber(ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
local added = 0
for i = 1, #all, 2 do
  local v = all[i + 1]
  if string.sub(v, 1, 1) ~= 'L' and now - tonumber(v) >= min then
    added = added + redis.call('SADD', KEYS[2], all[i])
    redis.call('SADD', KEYS[3], all[i])
  end
end
if added > 0 then
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  redis.call('EXPIRE', KEYS[3], ARGV[3])
end
return added
