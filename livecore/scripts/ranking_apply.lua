-- ranking_apply: apply one room's batch of interactions, exactly once, in one atomic step.
-- The worker has already summed what does not depend on Redis state (livecore.ranking.batch); this script
-- checks the ids, then does the stateful part (like cap, unique participants, enter/leave pairs, the hot
-- score with its landmark) and writes everything once per key. Together they mirror
-- livecore.core.hotrank.HotModel for the hot score and the hourly gift totals.
-- KEYS[1]  the room's ranking hash (lc:{r:ID}:rk): fields hot (score), L (landmark ms), seen_at, last_ts.
--          Every other key used is named from it (same prefix, so the same hash tag and Cluster slot):
--            rk:seen:<minute>          SET of event ids applied (dedupe; expires config dttl after last use)
--            rk:lk:<minute>            HASH user -> likes counted this minute (cap)
--            rk:u:<kind>:<bucket>      HASH user -> latest ts counted for kind in its unique window
--            rk:m:<minute>             HASH per-minute counters (likes, comments, enters, gmv, ...)
--            rk:s:<session>            HASH per-session counters (+ watch_ms, watch_n)
--            rk:h:<hour>               STRING gift value (cents) of the clock hour
--            rk:c:<session>            ZSET user -> gift value (contributors)
--            rk:pg:<session>, rk:pu:<session>  ZSET product -> paid GMV (cents) / paid units
--            rk:f:<session>:<step>     SET of users at funnel step enter|watch|click|order|paid
--            rk:in                     HASH user -> enter ts ms (or "L<ts>" when the leave came first)
--            rk:chat                   LIST "<ts>\t<text>" newest first, trimmed to config chatmax
-- ARGV[1]  config (msgpack map): {H: half-life ms, step: landmark grid ms, cap: likes per user per minute,
--          dttl, mttl, sttl: TTLs (s) of dedupe sets, minute buckets, session keys; chatmax}
-- ARGV[2]  now (ms, the caller's clock): recorded as seen_at, the room's last activity
-- ARGV[3]  the batch, a msgpack map (see livecore.ranking.batch.build_payload): seen {minute: [ids]}, likes
--          [[minute, user, session, count, max ts]], uniq [[kind, bucket, user, max ts, weight, ttl]],
--          plain [[ts, weight]], inout [[ts, "e"|"l", user, session]], minutes {minute: {field: n}},
--          sessions {session: {field: n}}, zincr {suffix: {member: n}}, sets {suffix: [members]},
--          chats ["<ts>\t<text>"], hours {hour: cents}, touched [hours with gifts], last_ts, n
-- Returns  when some ids were counted before: {"dup", id, id, ...} and nothing is written.
--          Otherwise {hot score (string, %.17g), landmark ms, applied, chats, hour1, total1, ...} with the
--          room's absolute gift total of every hour in `touched` (so a replay after a crash republishes them).
local cfg = cmsgpack.unpack(ARGV[1])
local now = tonumber(ARGV[2])
local b = cmsgpack.unpack(ARGV[3])
local rk = KEYS[1]
local P = string.sub(rk, 1, -3)
local H = tonumber(cfg.H)
local step = tonumber(cfg.step)
local cap = tonumber(cfg.cap)
local sttl = tonumber(cfg.sttl)
local CHUNK = 4000

local function chunked(cmd, key, list)
  for i = 1, #list, CHUNK do
    redis.call(cmd, key, unpack(list, i, math.min(i + CHUNK - 1, #list)))
  end
end

-- 1. dedupe: validate before writing anything -----------------------------------------------------------------
local dup = {}
for minute, ids in pairs(b.seen) do
  local k = P .. 'rk:seen:' .. minute
  for i = 1, #ids, CHUNK do
    local flags = redis.call('SMISMEMBER', k, unpack(ids, i, math.min(i + CHUNK - 1, #ids)))
    for j = 1, #flags do
      if flags[j] == 1 then dup[#dup + 1] = ids[i + j - 1] end
    end
  end
end
if #dup > 0 then
  table.insert(dup, 1, 'dup')
  return dup
end
for minute, ids in pairs(b.seen) do
  local k = P .. 'rk:seen:' .. minute
  chunked('SADD', k, ids)
  redis.call('EXPIRE', k, cfg.dttl)
end

-- 2. state the batch needs, one HMGET per hash ------------------------------------------------------------------
local head = redis.call('HMGET', rk, 'hot', 'L', 'last_ts')
local score = tonumber(head[1] or '0') or 0
local L = tonumber(head[2] or '0') or 0
local prev_last_ts = tonumber(head[3] or '0') or 0
local hot_changed = false
local wanted, cache, dirty, expire = {}, {}, {}, {}

local function want(k, f)
  local t = wanted[k]
  if not t then t = {}; wanted[k] = t end
  t[f] = true
end
for _, l in ipairs(b.likes) do want(P .. 'rk:lk:' .. l[1], l[2]) end
for _, u in ipairs(b.uniq) do want(P .. 'rk:u:' .. u[1] .. ':' .. u[2], u[3]) end
for _, e in ipairs(b.inout) do want(P .. 'rk:in', e[3]) end
for k, fields in pairs(wanted) do
  local list = {}
  for f in pairs(fields) do list[#list + 1] = f end
  local t = {}
  for i = 1, #list, CHUNK do
    local vals = redis.call('HMGET', k, unpack(list, i, math.min(i + CHUNK - 1, #list)))
    for j = 1, #vals do t[list[i + j - 1]] = vals[j] end
  end
  cache[k] = t
end
local function cset(k, f, v)
  cache[k][f] = v
  local d = dirty[k]
  if not d then d = {}; dirty[k] = d end
  d[f] = v
end

local minutes = b.minutes
local sessions = b.sessions
local function add(tbl, k, field, n)
  local t = tbl[k]
  if not t then t = {}; tbl[k] = t end
  t[field] = (t[field] or 0) + n
end
local function member(suffix, m)
  local t = b.sets[suffix]
  if not t then t = {}; b.sets[suffix] = t end
  t[#t + 1] = m
end

-- 3. hot score: forward decay on the room's landmark -------------------------------------------------------------
local function move_landmark(ts)
  local lm = ts - (ts % step)
  if lm > L then
    score = score * 2 ^ (-(lm - L) / H)
    L = lm
  end
end
local function boost(w, ts)
  move_landmark(ts)
  score = score + w * 2 ^ ((ts - L) / H)
  hot_changed = true
end
for _, p in ipairs(b.plain) do boost(tonumber(p[2]), tonumber(p[1])) end
-- a unique participant counts once per window, at their latest activity in it
for _, u in ipairs(b.uniq) do
  local k = P .. 'rk:u:' .. u[1] .. ':' .. u[2]
  local user, ts, w = u[3], tonumber(u[4]), tonumber(u[5])
  expire[k] = u[6]
  local prev = cache[k][user]
  if not prev then
    cset(k, user, ts)
    boost(w, ts)
  else
    prev = tonumber(prev)
    if ts > prev then
      cset(k, user, ts)
      move_landmark(ts)
      score = score + w * (2 ^ ((ts - L) / H) - 2 ^ ((prev - L) / H))
      hot_changed = true
    end
  end
end

-- 4. likes, capped per user per minute ------------------------------------------------------------------------------
for _, l in ipairs(b.likes) do
  local minute, user, session, n = l[1], l[2], l[3], tonumber(l[4])
  local k = P .. 'rk:lk:' .. minute
  expire[k] = 180
  local used = tonumber(cache[k][user] or '0')
  local allowed = math.min(n, cap - used)
  if allowed > 0 then
    cset(k, user, used + allowed)
    add(minutes, tostring(minute), 'likes', allowed)
    add(sessions, session, 'likes', allowed)
  end
end

-- 5. enter/leave pairs: watch time and the "watched over 60 s" funnel step ------------------------------------------
local inkey = P .. 'rk:in'
for _, e in ipairs(b.inout) do
  local ts, op, user, session = tonumber(e[1]), e[2], e[3], e[4]
  local v = cache[inkey][user]
  local dur = nil
  if op == 'e' then
    if v and string.sub(v, 1, 1) == 'L' then
      cset(inkey, user, false)
      dur = tonumber(string.sub(v, 2)) - ts
    elseif not v then
      cset(inkey, user, tostring(ts))
    end
  else
    if v and string.sub(v, 1, 1) ~= 'L' then
      cset(inkey, user, false)
      dur = ts - tonumber(v)
    elseif not v then
      cset(inkey, user, 'L' .. ts)
    end
  end
  if dur and dur >= 0 then
    add(sessions, session, 'watch_ms', dur)
    add(sessions, session, 'watch_n', 1)
    if dur >= 60000 then  -- watched passes entered too (livecore.core.funnel.through)
      member('f:' .. session .. ':watch', user)
      member('f:' .. session .. ':enter', user)
    end
  end
end

-- 6. write everything once per key -----------------------------------------------------------------------------------
for k, fields in pairs(dirty) do
  local sets, dels = {}, {}
  for f, v in pairs(fields) do
    if v then sets[#sets + 1] = f; sets[#sets + 1] = v else dels[#dels + 1] = f end
  end
  if #sets > 0 then chunked('HSET', k, sets) end
  if #dels > 0 then chunked('HDEL', k, dels) end
end
if dirty[inkey] then expire[inkey] = sttl end
for minute, fields in pairs(minutes) do
  local k = P .. 'rk:m:' .. minute
  for f, v in pairs(fields) do redis.call('HINCRBY', k, f, v) end
  expire[k] = cfg.mttl
end
for session, fields in pairs(sessions) do
  local k = P .. 'rk:s:' .. session
  for f, v in pairs(fields) do redis.call('HINCRBY', k, f, v) end
  expire[k] = sttl
end
for suffix, ms in pairs(b.zincr) do
  local k = P .. 'rk:' .. suffix
  for m, v in pairs(ms) do redis.call('ZINCRBY', k, v, m) end
  expire[k] = sttl
end
for suffix, list in pairs(b.sets) do
  if #list > 0 then
    local k = P .. 'rk:' .. suffix
    chunked('SADD', k, list)
    expire[k] = sttl
  end
end
if #b.chats > 0 then
  local k = P .. 'rk:chat'
  chunked('LPUSH', k, b.chats)
  redis.call('LTRIM', k, 0, tonumber(cfg.chatmax) - 1)
  expire[k] = sttl
end
for hour, v in pairs(b.hours) do
  local k = P .. 'rk:h:' .. hour
  redis.call('INCRBY', k, v)
  redis.call('EXPIRE', k, 90000)
end
for k, ttl in pairs(expire) do redis.call('EXPIRE', k, ttl) end
if hot_changed then
  redis.call('HSET', rk, 'hot', string.format('%.17g', score), 'L', L)
end
local last_ts = tonumber(b.last_ts)
if last_ts > prev_last_ts then redis.call('HSET', rk, 'last_ts', last_ts) end
redis.call('HSET', rk, 'seen_at', now)
redis.call('EXPIRE', rk, sttl)

local out = {string.format('%.17g', score), L, tonumber(b.n), #b.chats}
for _, hour in ipairs(b.touched) do
  local total = tonumber(redis.call('GET', P .. 'rk:h:' .. string.format('%d', hour)) or '0')
  if total > 0 then
    out[#out + 1] = hour
    out[#out + 1] = total
  end
end
return out
