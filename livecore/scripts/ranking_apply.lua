-- ranking_apply: count a batch of one room's interactions, exactly once each, in one atomic step.
-- Mirrors livecore.core.hotrank.HotModel for the hot score and the hourly gift totals.
-- KEYS[1]  the room's ranking hash (lc:{r:ID}:rk): fields hot (score), L (landmark ms), seen_at, last_ts.
--          Every other key used is named from it (same prefix, so the same hash tag and Cluster slot):
--            rk:seen:<minute>          SET of event ids applied (dedupe; expires ARGV config dttl after last use)
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
-- ARGV[1]  config JSON: {H: half-life ms, step: landmark grid ms, cap: likes per user per minute,
--          rules: {kind: [weight, unique window ms (0 = none), per-yuan flag]}, dttl, mttl, sttl, chatmax}
-- ARGV[2]  session id for interactions that carry none ("-" when the room has no live session)
-- ARGV[3]  now (ms, the caller's clock): recorded as seen_at, the room's last activity
-- ARGV[4..] interactions, msgpack arrays as written by livecore.interactions (id, kind, room, user, ts,
--          count, value, product, text, session; trailing defaults omitted)
-- Returns  {hot score (string, %.17g), landmark ms, applied, duplicates, malformed, chats,
--           hour1, total1, hour2, total2, ...} with the room's absolute hourly totals for every hour a gift of
--           the batch falls in (duplicates included, so a replay after a crash republishes them).
local cfg = cjson.decode(ARGV[1])
local dflt_session = ARGV[2]
local now = tonumber(ARGV[3])
local rk = KEYS[1]
local P = string.sub(rk, 1, -3)
local H = tonumber(cfg.H)
local step = tonumber(cfg.step)
local cap = tonumber(cfg.cap)
local rules = cfg.rules
local dttl = tonumber(cfg.dttl)
local mttl = tonumber(cfg.mttl)
local sttl = tonumber(cfg.sttl)

local score = tonumber(redis.call('HGET', rk, 'hot') or '0') or 0
local L = tonumber(redis.call('HGET', rk, 'L') or '0') or 0
local hot_changed = false
local expire = {}       -- key -> ttl seconds, applied once at the end
local minutes = {}      -- minute -> {field -> delta}
local sessions = {}     -- session -> {field -> delta}
local hours = {}        -- hour -> delta cents
local zincr = {}        -- key -> {member -> delta}
local chats = {}
local applied, dups, bad = 0, 0, 0
local last_ts = 0

local function add(tbl, k, field, n)
  local t = tbl[k]
  if not t then t = {}; tbl[k] = t end
  t[field] = (t[field] or 0) + n
end

local function count(minute, session, field, n)
  add(minutes, minute, field, n)
  add(sessions, session, field, n)
end

local function move_landmark(ts)
  local lm = ts - (ts % step)
  if lm > L then
    score = score * 2 ^ (-(lm - L) / H)
    L = lm
  end
end

local function boost(w, ts)
  if w <= 0 then return end
  move_landmark(ts)
  score = score + w * 2 ^ ((ts - L) / H)
  hot_changed = true
end

-- a unique participant counts once per window, at their latest activity in it: whatever order the
-- entries are applied in (several consumers, redeliveries), the score comes out the same
local function boost_unique(kind, user, ts, value)
  local rule = rules[kind]
  if not rule then return end
  local w = tonumber(rule[1])
  if tonumber(rule[3]) == 1 then w = w * value / 100 end
  if w <= 0 then return end
  local window = tonumber(rule[2])
  if window <= 0 then
    boost(w, ts)
    return
  end
  local k = P .. 'rk:u:' .. kind .. ':' .. math.floor(ts / window)
  expire[k] = math.floor(window / 1000) + 120
  local prev = redis.call('HGET', k, user)
  if not prev then
    redis.call('HSET', k, user, ts)
    boost(w, ts)
  else
    prev = tonumber(prev)
    if ts > prev then
      redis.call('HSET', k, user, ts)
      move_landmark(ts)
      score = score + w * (2 ^ ((ts - L) / H) - 2 ^ ((prev - L) / H))
      hot_changed = true
    end
  end
end

local function funnel(session, stage, user)
  local k = P .. 'rk:f:' .. session .. ':' .. stage
  redis.call('SADD', k, user)
  expire[k] = sttl
end

local function watched(session, user, ts)
  -- a viewer still in the room 60 s after entering has "watched"
  local v = redis.call('HGET', P .. 'rk:in', user)
  if v and string.sub(v, 1, 1) ~= 'L' and ts - tonumber(v) >= 60000 then
    funnel(session, 'watch', user)
  end
end

local inkey = P .. 'rk:in'

for i = 4, #ARGV do
  local ok, e = pcall(cmsgpack.unpack, ARGV[i])
  if not ok or type(e) ~= 'table' or type(e[1]) ~= 'string' or type(e[2]) ~= 'string'
     or type(e[5]) ~= 'number' then
    bad = bad + 1
  else
    local id, kind, user, ts = e[1], e[2], tostring(e[4] or ''), e[5]
    local n = tonumber(e[6] or 1) or 1
    local value = tonumber(e[7] or 0) or 0
    local product = tostring(e[8] or '')
    local text = tostring(e[9] or '')
    local session = tostring(e[10] or '')
    if session == '' then session = dflt_session end
    local minute = math.floor(ts / 60000)
    local seen = P .. 'rk:seen:' .. minute
    expire[seen] = dttl
    if redis.call('SADD', seen, id) == 0 then
      dups = dups + 1
      if kind == 'gift' then
        -- a replay after a crash must still report the hour's total for the platform ranking
        local hour = math.floor(ts / 3600000)
        hours[hour] = hours[hour] or 0
      end
    else
      applied = applied + 1
      if ts > last_ts then last_ts = ts end
      if kind == 'like' then
        local lk = P .. 'rk:lk:' .. minute
        expire[lk] = 180
        local used = tonumber(redis.call('HGET', lk, user) or '0')
        local allowed = math.min(n, cap - used)
        if allowed > 0 then
          redis.call('HSET', lk, user, used + allowed)
          count(minute, session, 'likes', allowed)
        end
        boost_unique(kind, user, ts, value)
      elseif kind == 'enter' then
        count(minute, session, 'enters', 1)
        funnel(session, 'enter', user)
        local v = redis.call('HGET', inkey, user)
        if v and string.sub(v, 1, 1) == 'L' then
          local dur = tonumber(string.sub(v, 2)) - ts
          redis.call('HDEL', inkey, user)
          if dur >= 0 then
            add(sessions, session, 'watch_ms', dur)
            add(sessions, session, 'watch_n', 1)
            if dur >= 60000 then funnel(session, 'watch', user) end
          end
        elseif not v then
          redis.call('HSET', inkey, user, ts)
        end
        boost_unique(kind, user, ts, value)
      elseif kind == 'leave' then
        count(minute, session, 'leaves', 1)
        local v = redis.call('HGET', inkey, user)
        if v and string.sub(v, 1, 1) ~= 'L' then
          local dur = ts - tonumber(v)
          redis.call('HDEL', inkey, user)
          if dur >= 0 then
            add(sessions, session, 'watch_ms', dur)
            add(sessions, session, 'watch_n', 1)
            if dur >= 60000 then funnel(session, 'watch', user) end
          end
        elseif not v then
          redis.call('HSET', inkey, user, 'L' .. ts)
        end
      else
        if kind == 'chat' then
          count(minute, session, 'comments', 1)
          if text ~= '' then chats[#chats + 1] = ts .. '\t' .. text end
        elseif kind == 'share' then
          count(minute, session, 'shares', 1)
        elseif kind == 'follow' then
          count(minute, session, 'follows', 1)
        elseif kind == 'gift' then
          count(minute, session, 'gifts', 1)
          count(minute, session, 'gift_value', value)
          add(zincr, P .. 'rk:c:' .. session, user, value)
          if value > 0 then
            local hour = math.floor(ts / 3600000)
            hours[hour] = (hours[hour] or 0) + value
          end
        elseif kind == 'click' then
          count(minute, session, 'clicks', 1)
          funnel(session, 'click', user)
        elseif kind == 'cart' then
          count(minute, session, 'carts', 1)
        elseif kind == 'order' then
          count(minute, session, 'orders', 1)
          count(minute, session, 'order_value', value)
          funnel(session, 'order', user)
        elseif kind == 'paid' then
          count(minute, session, 'paid', 1)
          count(minute, session, 'gmv', value)
          count(minute, session, 'units', n)
          funnel(session, 'paid', user)
          if product ~= '' then
            add(zincr, P .. 'rk:pg:' .. session, product, value)
            add(zincr, P .. 'rk:pu:' .. session, product, n)
          end
        end
        watched(session, user, ts)
        boost_unique(kind, user, ts, value)
      end
    end
  end
end

-- write the aggregated deltas: one command per key and field, not per event
for minute, fields in pairs(minutes) do
  local k = P .. 'rk:m:' .. minute
  for f, v in pairs(fields) do redis.call('HINCRBY', k, f, v) end
  expire[k] = mttl
end
for session, fields in pairs(sessions) do
  local k = P .. 'rk:s:' .. session
  for f, v in pairs(fields) do redis.call('HINCRBY', k, f, v) end
  expire[k] = sttl
end
for k, members in pairs(zincr) do
  for m, v in pairs(members) do redis.call('ZINCRBY', k, v, m) end
  expire[k] = sttl
end
if #chats > 0 then
  for i = 1, #chats, 1000 do
    redis.call('LPUSH', P .. 'rk:chat', unpack(chats, i, math.min(i + 999, #chats)))
  end
  redis.call('LTRIM', P .. 'rk:chat', 0, tonumber(cfg.chatmax) - 1)
  expire[P .. 'rk:chat'] = sttl
end
local out = {'', 0, applied, dups, bad, #chats}
for hour, v in pairs(hours) do
  local k = P .. 'rk:h:' .. hour
  local total
  if v > 0 then
    total = redis.call('INCRBY', k, v)
    redis.call('EXPIRE', k, 90000)
  else
    total = tonumber(redis.call('GET', k) or '0')
  end
  if total > 0 then
    out[#out + 1] = hour
    out[#out + 1] = total
  end
end
for k, ttl in pairs(expire) do redis.call('EXPIRE', k, ttl) end
redis.call('EXPIRE', inkey, sttl)
if hot_changed then
  redis.call('HSET', rk, 'hot', string.format('%.17g', score), 'L', L)
end
if applied > 0 then
  local prev = tonumber(redis.call('HGET', rk, 'last_ts') or '0')
  if last_ts > prev then redis.call('HSET', rk, 'last_ts', last_ts) end
end
redis.call('HSET', rk, 'seen_at', now)
redis.call('EXPIRE', rk, sttl)
out[1] = string.format('%.17g', score)
out[2] = L
return out
