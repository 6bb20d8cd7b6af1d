-- lottery_finish: record the result of a draw in Redis; exactly one caller wins the right to announce it.
-- KEYS[1]  lottery hash   lc:{r:ROOM}:lottery:ID
-- ARGV[1]  winners, JSON array in draw order
-- ARGV[2]  the revealed seed
-- ARGV[3]  number of entries
-- ARGV[4]  entries digest (hex)
-- ARGV[5]  now, epoch milliseconds
-- Returns  1 when this call moved the lottery from 'drawing' to 'drawn' (the caller announces), else 0.
if redis.call('HGET', KEYS[1], 'status') ~= 'drawing' then
  return 0
end
redis.call('HSET', KEYS[1], 'status', 'drawn', 'winners', ARGV[1], 'seed', ARGV[2], 'entries', ARGV[3],
           'entries_digest', ARGV[4], 'drawn_at', ARGV[5])
return 1
