-- polls_finish: record a closed poll's result once and append it to the outbox (exactly once).
-- KEYS[1]  poll hash       lc:{r:ROOM}:poll:ID          (status must be 'closed')
-- KEYS[2]  outbox stream   lc:{r:ROOM}:polls
-- ARGV[1]  the result, JSON text (tallies, voters; a quiz's correct option, correct voters, winners, seed)
-- ARGV[2]  outbox stream MAXLEN (approximate)
-- Returns  {'finished', result} when this call recorded it, {'before', result} with the result recorded
--          before (a retried or raced close: the caller uses the first result), or {'no', code} with code
--          not_found | not_closed.
local b = redis.call('HMGET', KEYS[1], 'status', 'result', 'id', 'closed_at')
if not b[1] then
  return {'no', 'not_found'}
end
if b[1] ~= 'closed' then
  return {'no', 'not_closed'}
end
if b[2] then
  return {'before', b[2]}
end
redis.call('HSET', KEYS[1], 'result', ARGV[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'k', 'close', 'poll', b[3], 'result', ARGV[1],
           'at', b[4])
return {'finished', ARGV[1]}
