-- group_prune: forget a consumer group's departed consumers, only those that hold nothing.
-- Consumer names carry a host and a process id, so every restart leaves a name behind in each group it read.
-- A consumer is removed when it has no pending entry (so XGROUP DELCONSUMER drops nothing that still needs
-- to be acknowledged) and has not read for the given time; a live consumer that reads again is recreated
-- by Redis as it was. Checking and removing in one script leaves no gap for a read in between.
-- KEYS[1]  the stream
-- ARGV[1]  the group
-- ARGV[2]  minimum idle time, ms
-- ARGV[3..] consumer names to keep whatever their idle time (the caller's own, the live members)
-- Returns  the number of consumers removed (0 when the stream or the group does not exist).
local keep = {}
for i = 3, #ARGV do
  keep[ARGV[i]] = true
end
local consumers = redis.pcall('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
if type(consumers) ~= 'table' or consumers.err then
  return 0
end
local min_idle = tonumber(ARGV[2])
local removed = 0
for _, c in ipairs(consumers) do
  local f = {}
  for i = 1, #c, 2 do
    f[c[i]] = c[i + 1]
  end
  if f.pending == 0 and f.idle >= min_idle and not keep[f.name] then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], f.name)
    removed = removed + 1
  end
end
return removed
