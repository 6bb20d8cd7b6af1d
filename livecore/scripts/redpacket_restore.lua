-- redpacket_restore: put a red packet Redis lost back from PostgreSQL's record, last step of `livecore restore`.
-- The caller has already written the grabbers and the idempotency records of the grabs the ledger holds; this
-- writes the packets still to hand out and the packet hash in one step, so the packet is grabbable again only
-- once everything else is back. A packet Redis still (or already) holds is left alone.
-- KEYS[1]  packet hash      lc:{r:ROOM}:rp:ID            (as redpacket_create writes it, with next = base = the
--                                                        grabs credited, given = their cents, status open)
-- KEYS[2]  amounts          lc:{r:ROOM}:rp:ID:amounts    (the packets not credited, "index:amount", split order)
-- KEYS[3]  room phrases     lc:{r:ROOM}:rp:phrases       (normalised phrase -> "ID|ends_at")
-- ARGV[1]  TTL of the packet's keys, seconds
-- ARGV[2]  the normalised phrase of a password packet still open ('' otherwise)
-- ARGV[3]  now, epoch milliseconds
-- ARGV[4]  m, the number of hash field/value pairs that follow
-- ARGV[5 .. 4+2m]   the hash's fields and values (must include id and ends_at)
-- ARGV[5+2m ..]     the packets not credited, "index:amount"
-- Returns  {'present'} when the hash exists (nothing is changed); {'ok'}; {'ok', 'busy', other_id} when restored
--          but another open password packet of the room holds the phrase (the phrase stays with it).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {'present'}
end
local m, now = tonumber(ARGV[4]), tonumber(ARGV[3])
local fields = {}
local id, ends_at = nil, nil
for i = 5, 4 + 2 * m, 2 do
  fields[#fields + 1] = ARGV[i]
  fields[#fields + 1] = ARGV[i + 1]
  if ARGV[i] == 'id' then id = ARGV[i + 1] end
  if ARGV[i] == 'ends_at' then ends_at = ARGV[i + 1] end
end
redis.call('DEL', KEYS[2])
local left = {}
for i = 5 + 2 * m, #ARGV do
  left[#left + 1] = ARGV[i]
  if #left == 5000 then
    redis.call('RPUSH', KEYS[2], unpack(left))
    left = {}
  end
end
if #left > 0 then
  redis.call('RPUSH', KEYS[2], unpack(left))
end
redis.call('HSET', KEYS[1], unpack(fields))
local ttl = tonumber(ARGV[1])
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
local phrase = ARGV[2]
if phrase ~= '' then
  local held = redis.call('HGET', KEYS[3], phrase)
  if held then
    local other, ends = string.match(held, '^(.*)|(%d+)$')
    if other ~= id and tonumber(ends) > now then
      return {'ok', 'busy', other}
    end
  end
  redis.call('HSET', KEYS[3], phrase, id .. '|' .. ends_at)
  if redis.call('TTL', KEYS[3]) < ttl then
    redis.call('EXPIRE', KEYS[3], ttl)
  end
end
return {'ok'}
