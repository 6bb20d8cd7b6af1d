-- share_credit: credit a paid order to the buyer's referrer when it was placed within the attribution window;
-- an order is credited at most once.
-- KEYS[1]  attribution hash    lc:{r:ROOM}:share:attr      (user -> cjson {r, ch, at, g})
-- KEYS[2]  credited hash       lc:{r:ROOM}:share:credited  (order id -> cjson {r, ch, a})
-- KEYS[3]  funnel hash         lc:{r:ROOM}:share:funnel    ("<channel>:orders", "<channel>:gmv")
-- KEYS[4]  referred GMV zset   lc:{r:ROOM}:share:gmv       (referrer -> cents)
-- KEYS[5]  outbox stream       lc:{r:ROOM}:share:out
-- ARGV[1]  order id
-- ARGV[2]  buyer
-- ARGV[3]  amount paid, cents
-- ARGV[4]  when the order was placed, epoch ms (the window is judged at this instant)
-- ARGV[5]  attribution window, ms: a touch at T credits orders placed at T <= t < T + window
-- ARGV[6]  outbox MAXLEN (approximate)
-- ARGV[7]  when it was paid, epoch ms
-- ARGV[8]  key TTL, seconds
-- Returns  {'ok', referrer, channel, replayed(0|1)}: credited (replayed = 1 when it had been already, nothing
--          written); {'no', 'none'}: no live referrer at that instant (nothing written).
local prior = redis.call('HGET', KEYS[2], ARGV[1])
if prior then
  local c = cjson.decode(prior)
  return {'ok', c['r'], c['ch'], 1}
end
local raw = redis.call('HGET', KEYS[1], ARGV[2])
if not raw then
  return {'no', 'none'}
end
local a = cjson.decode(raw)
local t, window = tonumber(ARGV[4]), tonumber(ARGV[5])
if not (a['at'] <= t and t < a['at'] + window) or a['r'] == ARGV[2] then
  return {'no', 'none'}
end
local amount = tonumber(ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({r = a['r'], ch = a['ch'], a = amount}))
redis.call('HINCRBY', KEYS[3], a['ch'] .. ':orders', 1)
redis.call('HINCRBY', KEYS[3], a['ch'] .. ':gmv', amount)
redis.call('ZINCRBY', KEYS[4], amount, a['r'])
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[6], '*', 'k', 'credit', 'order', ARGV[1], 'user', ARGV[2],
           'referrer', a['r'], 'ch', a['ch'], 'g', a['g'] or '', 'amount', amount, 'at', t, 'paid', ARGV[7],
           'touched', a['at'])
for i = 2, 4 do
  redis.call('EXPIRE', KEYS[i], tonumber(ARGV[8]))
end
return {'ok', a['r'], a['ch'], 0}
