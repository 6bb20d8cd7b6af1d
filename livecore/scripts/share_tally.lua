-- share_tally: count one ``share`` interaction as a share of the channel of the sharer's last code, once.
-- KEYS[1]  tallied set         lc:{r:ROOM}:share:tallied   (interaction ids already seen)
-- KEYS[2]  last channel hash   lc:{r:ROOM}:share:lastch    (user -> channel of their last code)
-- KEYS[3]  funnel hash         lc:{r:ROOM}:share:funnel    ("<channel>:shares")
-- ARGV[1]  interaction id
-- ARGV[2]  user
-- ARGV[3]  key TTL, seconds
-- Returns  1 when counted; 0 when seen before or when the user made no code in the room (no channel applies).
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
local ch = redis.call('HGET', KEYS[2], ARGV[2])
if not ch then
  return 0
end
redis.call('HINCRBY', KEYS[3], ch .. ':shares', 1)
return 1
