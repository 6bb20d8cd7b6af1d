-- polls_vote: one viewer's vote in a poll (投票 / 答题), decided atomically.
-- KEYS[1]  poll hash        lc:{r:ROOM}:poll:ID          (status, opened_at, ends_at, opts, mode, changeable,
--                                                         condition, watch_ms)
-- KEYS[2]  tallies          lc:{r:ROOM}:poll:ID:tally    (option id -> votes; '_voters' -> distinct voters)
-- KEYS[3]  votes            lc:{r:ROOM}:poll:ID:votes    (user -> '<rev>|<option ids, comma separated>')
-- KEYS[4]  followers        lc:{r:ROOM}:followers        (set of users who followed the host in this room)
-- KEYS[5]  outbox stream    lc:{r:ROOM}:polls            (persisted to poll_votes by the polls-persist worker)
-- ARGV[1]  user id
-- ARGV[2]  the chosen option ids, comma separated (as sent; checked here)
-- ARGV[3]  now, epoch milliseconds (the caller's clock)
-- ARGV[4]  how long the viewer has watched, milliseconds (measured by the gateway)
-- ARGV[5]  outbox stream MAXLEN (approximate)
-- Returns  {'ok', rev, voters} where rev is 0 for a first vote and 1 for the one change allowed;
--          {'same', rev, voters} when the vote equals the one recorded (nothing written);
--          {'no', code} with code one of not_found | ended | already | not_eligible | invalid.
-- Rules    a vote counts while opened_at <= now < ends_at and status is open; one vote per user, changed at most
--          once when the poll is changeable ('already' otherwise, before the condition is looked at, so a voter
--          is told they voted); the condition (follow: a member of the followers set; watch: watched >=
--          watch_ms); the options: known ids, no repeats, exactly one in a single-choice poll. Nothing is
--          written before every check has passed.
local b = redis.call('HMGET', KEYS[1], 'status', 'opened_at', 'ends_at', 'opts', 'mode', 'changeable',
                     'condition', 'watch_ms', 'id')
if not b[1] then
  return {'no', 'not_found'}
end
local now = tonumber(ARGV[3])
if b[1] ~= 'open' or now < tonumber(b[2]) or now >= tonumber(b[3]) then
  return {'no', 'ended'}
end
local user = ARGV[1]
local previous = redis.call('HGET', KEYS[3], user)
local rev = 0
if previous then
  if b[6] ~= '1' or tonumber(string.match(previous, '^(%d+)|')) >= 1 then
    return {'no', 'already'}
  end
  rev = 1
end
if b[7] == 'follow' then
  if redis.call('SISMEMBER', KEYS[4], user) == 0 then
    return {'no', 'not_eligible'}
  end
elseif b[7] == 'watch' then
  if tonumber(ARGV[4]) < tonumber(b[8]) then
    return {'no', 'not_eligible'}
  end
end
local valid = {}
for id in string.gmatch(b[4], '[^,]+') do
  valid[id] = true
end
local chosen, seen = {}, {}
for id in string.gmatch(ARGV[2], '[^,]+') do
  if not valid[id] or seen[id] then
    return {'no', 'invalid'}
  end
  seen[id] = true
  chosen[#chosen + 1] = id
end
if #chosen == 0 or (b[5] == 'single' and #chosen ~= 1) then
  return {'no', 'invalid'}
end
table.sort(chosen)
local options = table.concat(chosen, ',')
if previous then
  local before = string.match(previous, '|(.*)$')
  if before == options then
    return {'same', rev - 1, tonumber(redis.call('HGET', KEYS[2], '_voters') or '0')}
  end
  for id in string.gmatch(before, '[^,]+') do
    redis.call('HINCRBY', KEYS[2], id, -1)
  end
else
  redis.call('HINCRBY', KEYS[2], '_voters', 1)
end
for _, id in ipairs(chosen) do
  redis.call('HINCRBY', KEYS[2], id, 1)
end
redis.call('HSET', KEYS[3], user, rev .. '|' .. options)
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[2], ttl)
  redis.call('EXPIRE', KEYS[3], ttl)
end
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[5], '*', 'k', 'vote', 'poll', b[9], 'user', user,
           'options', options, 'rev', rev, 'at', now)
return {'ok', rev, tonumber(redis.call('HGET', KEYS[2], '_voters'))}
