-- groupbuy_pay: a member of a complete group pays their order (拼团支付), atomically against its lapse
-- (groupbuy_lapse.lua): whichever runs first decides, the other sees the member's new status and does nothing.
-- KEYS[1]   the group's hash                   lc:{r:ROOM}:gbg:GROUP
-- KEYS[2]   the deal hash                      lc:{r:ROOM}:gb:DEAL
-- KEYS[3]   the room's payment deadlines of complete groups (zset group -> pay_by ms)
-- KEYS[4]   the room's group-buy outbox stream lc:{r:ROOM}:gb:out
-- KEYS[5]   the room's interaction stream (a "paid" interaction is appended: GMV, rankings)
-- KEYS[6]   the room's state hash (the interaction belongs to the live session, else to none: '-')
-- ARGV[1]   the group id
-- ARGV[2]   the paying user id
-- ARGV[3]   now, epoch ms
-- ARGV[4]   provider name
-- ARGV[5]   provider payment reference
-- ARGV[6]   MAXLEN (approximate) of the outbox stream
-- ARGV[7]   room id
-- ARGV[8]   MAXLEN (approximate) of the interaction stream
-- Returns   {'ok', order, amount, paid_at, replayed 0|1}
--           or {'err', reason}: not_found (no group, or the user is not a member) | group_closed (the group is
--           not complete: still open, or dissolved) | expired (the payment window closed: lapsed) | already
--           (paid under another payment reference).
-- Outbox    'paid' with the group's header and the member [[user, order, key, joined_ms, seq]] (the persister and the
--           share crediter read it).
local g = redis.call('HMGET', KEYS[1], 'status', 'pay_by', 'size', 'deal', 'leader', 'opened_at', 'deadline',
  'price', 'u:' .. ARGV[2])
if not g[1] or not g[9] then
  return {'err', 'not_found'}
end
if g[1] ~= 'complete' then
  return {'err', 'group_closed'}
end
local i = g[9]
local m = redis.call('HMGET', KEYS[1], 'o' .. i, 'k' .. i, 't' .. i, 'ps' .. i, 'pr' .. i, 'pa' .. i)
if m[4] == 'paid' then
  if m[5] == ARGV[5] then
    return {'ok', m[1], tonumber(g[8]), tonumber(m[6]), 1}
  end
  return {'err', 'already'}
end
local now = tonumber(ARGV[3])
if m[4] == 'lapsed' or now >= tonumber(g[2]) then
  return {'err', 'expired'}
end
redis.call('HSET', KEYS[1], 'ps' .. i, 'paid', 'pr' .. i, ARGV[5], 'pa' .. i, now)
local paid = redis.call('HINCRBY', KEYS[1], 'paid', 1)
redis.call('HINCRBY', KEYS[2], 'paid', 1)
if paid >= tonumber(g[3]) then
  redis.call('ZREM', KEYS[3], ARGV[1])  -- every member paid: nothing can lapse
end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[6], '*', 'k', 'paid', 'group', ARGV[1], 'deal', g[4],
  'leader', g[5], 'size', g[3], 'opened_at', g[6], 'deadline', g[7], 'amount', g[8], 'at', now,
  'pv', ARGV[4], 'ref', ARGV[5], 'members', cjson.encode({{ARGV[2], m[1], m[2], tonumber(m[3] or g[6]), tonumber(i)}}))
local st = redis.call('HMGET', KEYS[6], 'session', 'live')
local session = '-'
if st[1] and st[2] == 'true' then
  local decoded, v = pcall(cjson.decode, st[1])
  if decoded and type(v) == 'table' then v = v.id end
  if decoded and (type(v) == 'string' or type(v) == 'number') then session = tostring(v) end
end
local product = redis.call('HGET', KEYS[2], 'product') or ''
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[8], '*', 'i',
  cmsgpack.pack({'p:' .. m[1], 'paid', ARGV[7], ARGV[2], now, 1, tonumber(g[8]), product, '', session}))
return {'ok', m[1], tonumber(g[8]), now, 0}
