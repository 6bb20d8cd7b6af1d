-- sale_publish_stock: copy a sale's current stock into the room state and publish it to the gateways.
-- Reading and publishing in one script means the last call always publishes the newest value, whichever
-- process (gateway, API, worker) makes it: publishers throttle freely and the final value still goes out.
-- KEYS[1]  the sale's stock counter lc:{r:ROOM}:sale:ID:stock
-- KEYS[2]  the room's state hash    lc:{r:ROOM}:state
-- KEYS[3]  the sale hash            lc:{r:ROOM}:sale:ID (a retired sale is no longer published)
-- ARGV[1]  the room's pub/sub channel
-- ARGV[2]  the state field, "stock:<sale id>"
-- ARGV[3]  TTL of the state hash in seconds (0 keeps it)
-- Returns  the stock published, or -1 when the sale has no stock counter or is retired (nothing published).
local stock = redis.call('GET', KEYS[1])
if not stock or redis.call('HEXISTS', KEYS[3], 'retired') == 1 then
  return -1
end
local n = tonumber(stock)
redis.call('HSET', KEYS[2], ARGV[2], stock)
if tonumber(ARGV[3]) > 0 then
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
redis.call('PUBLISH', ARGV[1], 'S{' .. cjson.encode(ARGV[2]) .. ':' .. stock .. '}')
return n
