-- redpacket_grab: one viewer grabs one packet of a red packet (rain or password), decided atomically.
-- KEYS[1]  packet hash      lc:{r:ROOM}:rp:ID            (kind, condition, watch_ms, starts_at, ends_at, status,
--                                                        count, next, given, id; base once restored)
-- KEYS[2]  amounts          lc:{r:ROOM}:rp:ID:amounts    (list, the split; after `livecore restore` only the packets
--                                                        not yet credited, as "index:amount", and the hash's base
--                                                        = the packets credited before, so next - base is the
--                                                        list position)
-- KEYS[3]  grabbers         lc:{r:ROOM}:rp:ID:users      (user -> "index:amount")
-- KEYS[4]  idempotency      lc:{r:ROOM}:rp:ID:idem       (ARGV[5] -> "index:amount")
-- KEYS[5]  phrase senders   lc:{r:ROOM}:rp:ID:said       (set of users who sent the phrase in the window)
-- KEYS[6]  outbox stream    lc:{r:ROOM}:redpackets       (grabs, credited to wallets by the worker)
-- KEYS[7]  followers        lc:{r:ROOM}:followers        (the follow condition)
-- ARGV[1]  user id
-- ARGV[2]  idempotency key chosen by the client
-- ARGV[3]  now, epoch milliseconds (the runtime's clock)
-- ARGV[4]  outbox stream MAXLEN (approximate)
-- ARGV[5]  the idempotency record's field (livecore.idem.idem_id of user and key)
-- ARGV[6]  how long the viewer has watched, milliseconds (measured by the gateway)
-- ARGV[7]  'tap' (a grab message) or 'phrase' (the phrase sent in barrage)
-- Returns  {'ok', index, amount, grabbed, count, replayed(0|1)}: a retry with the same user and key returns the
--          first answer with replayed = 1 and writes nothing;
--          {'already', index, amount} when the user grabbed a packet of it with another key;
--          {'no', code} with code one of not_found | not_eligible | not_started | ended | sold_out.
-- Rules    the window is [starts_at, ends_at) and status must be open; a password packet is grabbed only by its
--          phrase; one packet per user; the condition ('none' | 'follow' | 'watch') must hold; packets are
--          handed out in split order (index is the packet's place in the split, also in a restored list). Nothing is written before every check has passed (the phrase senders'
--          set excepted: a sender inside the window is counted even when refused).
local user, now = ARGV[1], tonumber(ARGV[3])
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'no', 'not_found'}
end
local previous = redis.call('HGET', KEYS[4], ARGV[5])
if previous then
  local idx, amount = string.match(previous, '^(%d+):(%d+)$')
  local b = redis.call('HMGET', KEYS[1], 'next', 'count')
  return {'ok', tonumber(idx), tonumber(amount), tonumber(b[1]), tonumber(b[2]), 1}
end
local b = redis.call('HMGET', KEYS[1], 'kind', 'condition', 'watch_ms', 'starts_at', 'ends_at', 'status', 'count',
                     'next', 'id', 'base')
if (b[1] == 'password') ~= (ARGV[7] == 'phrase') then
  return {'no', 'not_eligible'}
end
if b[6] == 'ended' or now >= tonumber(b[5]) then
  return {'no', 'ended'}
end
if b[6] ~= 'open' or now < tonumber(b[4]) then
  return {'no', 'not_started'}
end
if ARGV[7] == 'phrase' then
  redis.call('SADD', KEYS[5], user)
  local ttl = redis.call('TTL', KEYS[1])
  if ttl > 0 then
    redis.call('EXPIRE', KEYS[5], ttl)
  end
end
local mine = redis.call('HGET', KEYS[3], user)
if mine then
  local idx, amount = string.match(mine, '^(%d+):(%d+)$')
  return {'already', tonumber(idx), tonumber(amount)}
end
if b[2] == 'follow' and redis.call('SISMEMBER', KEYS[7], user) == 0 then
  return {'no', 'not_eligible'}
end
if b[2] == 'watch' and tonumber(ARGV[6]) < tonumber(b[3]) then
  return {'no', 'not_eligible'}
end
local nxt, count = tonumber(b[8]), tonumber(b[7])
if nxt >= count then
  return {'no', 'sold_out'}
end
-- every check passed: write
local raw = redis.call('LINDEX', KEYS[2], nxt - tonumber(b[10] or '0'))
local idx, amount = string.match(raw, '^(%d+):(%d+)$')
if idx then
  idx, amount = tonumber(idx), tonumber(amount)
else
  idx, amount = nxt, tonumber(raw)
end
redis.call('HSET', KEYS[1], 'next', nxt + 1)
redis.call('HINCRBY', KEYS[1], 'given', amount)
local record = idx .. ':' .. amount
redis.call('HSET', KEYS[3], user, record)
redis.call('HSET', KEYS[4], ARGV[5], record)
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[3], ttl)
  redis.call('EXPIRE', KEYS[4], ttl)
end
redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[4], '*', 'k', 'grab', 'rp', b[9], 'user', user, 'i', idx,
           'amount', amount, 'key', ARGV[2], 'at', now)
return {'ok', idx, amount, nxt + 1, count, 0}
