-- redpacket_create: record a red packet (红包雨 / 口令红包) and its split, not yet grabbable (status pending).
-- KEYS[1]  packet hash      lc:{r:ROOM}:rp:ID            (terms, window, status, next, given)
-- KEYS[2]  amounts          lc:{r:ROOM}:rp:ID:amounts    (list of the split's amounts in cents, hand-out order)
-- KEYS[3]  room phrases     lc:{r:ROOM}:rp:phrases       (normalised phrase -> "ID|ends_at" of password packets)
-- ARGV[1]  TTL of the packet's keys, seconds
-- ARGV[2]  the normalised phrase ('' for a rain)
-- ARGV[3]  now, epoch milliseconds
-- ARGV[4]  m, the number of hash field/value pairs that follow
-- ARGV[5 .. 4+2m]   the hash's fields and values (must include id and ends_at)
-- ARGV[5+2m ..]     the amounts
-- Returns  {'ok'} | {'no', 'busy', other_id} when another password packet of the room with the same phrase
--          is still open | {'no', 'exists'} when the id is taken. Nothing is written unless 'ok'.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {'no', 'exists'}
end
local phrase, now = ARGV[2], tonumber(ARGV[3])
if phrase ~= '' then
  local held = redis.call('HGET', KEYS[3], phrase)
  if held then
    local other, ends = string.match(held, '^(.*)|(%d+)$')
    if tonumber(ends) > now then
      return {'no', 'busy', other}
    end
  end
end
local m = tonumber(ARGV[4])
local fields = {}
local id, ends_at = nil, nil
for i = 5, 4 + 2 * m, 2 do
  fields[#fields + 1] = ARGV[i]
  fields[#fields + 1] = ARGV[i + 1]
  if ARGV[i] == 'id' then id = ARGV[i + 1] end
  if ARGV[i] == 'ends_at' then ends_at = ARGV[i + 1] end
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('HSET', KEYS[1], 'status', 'pending', 'next', 0, 'given', 0)
local amounts = {}
for i = 5 + 2 * m, #ARGV do
  amounts[#amounts + 1] = ARGV[i]
  if #amounts == 5000 then
    redis.call('RPUSH', KEYS[2], unpack(amounts))
    amounts = {}
  end
end
if #amounts > 0 then
  redis.call('RPUSH', KEYS[2], unpack(amounts))
end
local ttl = tonumber(ARGV[1])
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
if phrase ~= '' then
  redis.call('HSET', KEYS[3], phrase, id .. '|' .. ends_at)
  if redis.call('TTL', KEYS[3]) < ttl then
    redis.call('EXPIRE', KEYS[3], ttl)
  end
end
return {'ok'}
