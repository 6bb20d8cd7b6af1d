-- order_pay: mark a reserved order paid, atomically against its expiry (order_expire).
-- Whichever of the two scripts runs first decides; the other sees the new status and does nothing.
-- KEYS[1]  the order hash                  lc:{r:ROOM}:order:ID
-- KEYS[2]  the room's orders stream (the "paid" entry is persisted by the order worker)
-- KEYS[3]  the room's payment deadlines    lc:{r:ROOM}:orders:deadlines
-- KEYS[4]  the room's interaction stream (a "paid" interaction is appended)
-- KEYS[5]  the room's state hash          lc:{r:ROOM}:state: the "paid" interaction belongs to the order's
--          session while that session is still live, else to no session ('-'): an ended session never changes
-- ARGV[1]  order id
-- ARGV[2]  paying user id ('' skips the owner check, for provider callbacks)
-- ARGV[3]  now, epoch ms
-- ARGV[4]  provider name
-- ARGV[5]  provider payment reference
-- ARGV[6]  amount charged, cents
-- ARGV[7]  discount, cents
-- ARGV[8]  coupon claim id ('' for none)
-- ARGV[9]  MAXLEN (approximate) of the orders stream
-- ARGV[10] room id
-- ARGV[11] MAXLEN (approximate) of the interaction stream
-- Returns  {'ok', 'paid', replayed 0|1} or {'err', reason} with reason not_found | forbidden |
--          expired | already (paid under another payment reference).
local o = redis.call('HMGET', KEYS[1], 'status', 'user', 'expires_at', 'sale', 'qty', 'amount', 'product',
  'sku', 'created_at', 'payment_ref', 'session')
if not o[1] then
  return {'err', 'not_found'}
end
if ARGV[2] ~= '' and ARGV[2] ~= o[2] then
  return {'err', 'forbidden'}
end
if o[1] == 'paid' then
  if o[10] == ARGV[5] then
    return {'ok', 'paid', 1}
  end
  return {'err', 'already'}
end
if o[1] ~= 'reserved' then
  return {'err', 'expired'}
end
if tonumber(ARGV[3]) >= tonumber(o[3]) then
  return {'err', 'expired'}
end
redis.call('HSET', KEYS[1], 'status', 'paid', 'paid_at', ARGV[3], 'provider', ARGV[4], 'payment_ref', ARGV[5],
  'paid_amount', ARGV[6], 'discount', ARGV[7], 'coupon', ARGV[8])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[9], '*', 'k', 'paid', 'o', ARGV[1], 's', o[4], 'u', o[2],
  'q', o[5], 'a', o[6], 'p', o[7], 'sku', o[8], 't', o[9], 'x', o[3], 'pt', ARGV[3], 'pv', ARGV[4],
  'ref', ARGV[5], 'pa', ARGV[6], 'd', ARGV[7], 'c', ARGV[8])
local session = o[11] or ''
if session ~= '' then
  local st = redis.call('HMGET', KEYS[5], 'session', 'live')
  local current = nil
  if st[1] then
    local decoded, v = pcall(cjson.decode, st[1])
    if decoded and type(v) == 'table' then v = v.id end
    if decoded and (type(v) == 'string' or type(v) == 'number') then current = tostring(v) end
  end
  if st[2] ~= 'true' or current ~= session then session = '-' end
end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[11], '*', 'i',
  cmsgpack.pack({'p:' .. ARGV[1], 'paid', ARGV[10], o[2], tonumber(ARGV[3]), tonumber(o[5]),
    tonumber(ARGV[6]), o[7], '', session}))
return {'ok', 'paid', 0}
