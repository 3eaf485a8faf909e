-- Record one signal of trouble (a failed task, a failed deployment, a service action event,
-- "service down") in the service's incident, atomically: de-duplicate it, open a new incident or
-- add to the open one, and decide who talks to Slack. Only the holder of the lease posts or
-- updates the message; everyone else just counts (the holder re-reads before each update).
--
-- KEYS[1] incident hash   KEYS[2] seen marker   KEYS[3] mute hash   KEYS[4] messages left behind
-- (one slot: {svc:<env>:<alias>})
-- ARGV[1] now (ms)        ARGV[2] incident window (ms)   ARGV[3] seen TTL (ms)   ARGV[4] lease (ms)
-- ARGV[5] kind: task | deploy | action | down
-- ARGV[6] reason key      ARGV[7] reason label
-- ARGV[8] facts (JSON; '' for none)   ARGV[9] incident TTL (ms)   ARGV[10] event time (ms)
-- ARGV[11] how late an incident that never reached Slack is still told (ms; claim-2.lua's ARGV[4])
-- ARGV[12] this call's id (random): the seen marker keeps it with the action decided, so the same call
--          sent again (its answer lost on a cut connection, and ioredis resending it) is answered with
--          its own outcome instead of 'dup': else the caller, told 'dup', would not render while it
--          holds the lease, and the alert would wait for the lease to expire.
--
-- Returns {'dup'}, {'stale'} (the failure happened before the incident recovered: EventBridge
-- delivered it late and out of order, so it does not reopen anything) or
-- {'ok', gen, count, isNew, newReason, ts, channel, action, rev}
--   action: post (you hold the lease, nothing posted yet) | update (you hold the lease) |
--           busy (someone else holds it) | muted
local now = tonumber(ARGV[1])
local at = tonumber(ARGV[10])
local inc = KEYS[1]
if not redis.call('SET', KEYS[2], ARGV[12], 'PX', ARGV[3], 'NX') then
  local v = redis.call('GET', KEYS[2]) or ''
  local own = ARGV[12] .. '|'
  if string.sub(v, 1, #own) ~= own then return {'dup'} end
  local mine = string.sub(v, #own + 1)
  -- This very call, run before: its outcome again (the lease still its own if it took it and nobody took it over).
  local m = redis.call('HMGET', inc, 'ts', 'channel', 'lease', 'count', 'gen', 'rev')
  if mine == 'post' or mine == 'update' then
    if m[3] == ARGV[1] then mine = (m[1] or '') == '' and 'post' or 'update' else mine = 'busy' end
  end
  return {'ok', m[5], m[4], 0, 0, m[1] or '', m[2] or '', mine, m[6]}
end
local kind = ARGV[5]

local h = redis.call('HMGET', inc, 'state', 'lastAt', 'down', 'recoveredEventAt', 'lastFailAt')
local lastAt = tonumber(h[2] or '0')
local window = tonumber(ARGV[2])
if h[1] == 'recovered' and kind ~= 'down' and h[4] and at < tonumber(h[4]) then
  return {'stale'}
end
local isNew = 0
-- s cut to at most max bytes, without a broken UTF-8 sequence at its end.
local function cut(s, max)
  if #s <= max then return s end
  s = string.sub(s, 1, max)
  local i = #s
  while i > 1 and s:byte(i) >= 0x80 and s:byte(i) < 0xC0 do i = i - 1 end
  local b = s:byte(i)
  local need = (b >= 0xF0 and 4) or (b >= 0xE0 and 3) or (b >= 0xC0 and 2) or 1
  if #s - i + 1 < need then s = string.sub(s, 1, i - 1) end
  return s
end
-- A recovered incident, or one quiet for longer than the window (and not down), is over. Quiet in
-- event time too: a late delivery of a failure that happened within the window after the last one
-- (a retried invocation) belongs to this incident, not to a new message.
if h[1] ~= 'open' or (now - lastAt > window and at - tonumber(h[5] or '0') > window and not h[3]) then
  local old = {}
  local flat = redis.call('HGETALL', inc)
  for i = 1, #flat, 2 do old[flat[i]] = flat[i + 1] end
  redis.call('HINCRBY', inc, 'gen', 1)
  for f in pairs(old) do
    if f ~= 'gen' then redis.call('HDEL', inc, f) end
  end
  redis.call('HSET', inc, 'state', 'open', 'openedAt', now, 'lastAt', now, 'count', 0, 'rev', 0, 'shown', -1)
  -- The message of the incident replaced ('prev': gen|channel|ts, one level): a note about it that was
  -- on its way (a rollback asked for from its buttons, src/alerts/backlog.ts incidentOfMessage) still
  -- finds its incident, so it can wait in that incident's backlog and be said in its thread.
  if (old.ts or '') ~= '' and old.gen then
    redis.call('HSET', inc, 'prev', old.gen .. '|' .. (old.channel or '') .. '|' .. old.ts)
  end
  -- The incident replaced reached Slack but its message is behind (its last updates refused: 429s,
  -- errors, or still waiting for their turn, and no catch-up ran before this): kept as it ended in
  -- KEYS[4] ('b:<gen>', the hash as JSON; 'ba:<gen>' from when it may be taken), so the scheduled
  -- check brings that message to its final rendering once (src/alerts/behind.ts, behind-take-2.lua).
  -- Bounded: the last BEHIND_MAX, the hash expires ARGV[11] after the last one kept. The scheduled check
  -- catches every entry up each minute (in its turns of the update budget), so entries only pile up
  -- while it cannot: Slack refusing updates, or the service muted (they wait for the mute to end).
  -- An incident is replaced only once it recovered (steady: after 5 quiet minutes) or went quiet past
  -- the window, and only a posted one is kept (under a mute new incidents are not posted), so 20 is
  -- over an hour and a half of a service failing and recovering every 5 minutes, each posted, while
  -- every update is refused; each entry is a few KB (at most ~26 KiB: 16 reasons, the first task's
  -- facts and log lines, three earlier occurrences), so at most ~0.5 MiB a day. It used to be 2 (as the backlog's incidents): a third replaced incident
  -- before a check caught up dropped the oldest, whose message stayed stale. Past the bound the
  -- oldest are dropped, counted ('dropped'), and logged by the check (behind.ts).
  -- Kept too: one whose first post got no answer ('u:post', post-mark-1.lua; no ts), with its mark, so
  -- the check looks for that post (it may have landed, showing the state of then) and brings it to
  -- its end once; it is also told below as an earlier occurrence, dropped from there once found.
  local unsure = (old.ts or '') == '' and (old['u:post'] or '') ~= ''
  if old.gen and (unsure or ((old.ts or '') ~= '' and tonumber(old.rev or '0') ~= tonumber(old.shown or '-1'))) then
    local BEHIND_MAX = 20
    -- A render of it may still be in flight (its lease held): taken once that lease could be taken
    -- over, so its late answer cannot land after the catch-up's.
    local from = now
    local lease = tonumber(old.lease or '0')
    old.lease = nil
    if lease > 0 and lease + tonumber(ARGV[4]) > now then from = lease + tonumber(ARGV[4]) end
    redis.call('HSET', KEYS[4], 'b:' .. old.gen, cjson.encode(old), 'ba:' .. old.gen, from)
    local gens = {}
    for _, f in ipairs(redis.call('HKEYS', KEYS[4])) do
      local g = string.match(f, '^b:(%d+)$')
      if g then gens[#gens + 1] = tonumber(g) end
    end
    table.sort(gens, function(x, y) return x > y end)
    for i = BEHIND_MAX + 1, #gens do
      redis.call('HDEL', KEYS[4], 'b:' .. gens[i], 'ba:' .. gens[i], 'bc:' .. gens[i])
      redis.call('HINCRBY', KEYS[4], 'dropped', 1)
    end
    redis.call('PEXPIRE', KEYS[4], ARGV[11])
  end
  -- The incident replaced never reached Slack (its post refused, or left to a catch-up that had not
  -- run yet): what it owed (a signal counted while not muted, `due`, less than ARGV[11] ago) goes
  -- into the new incident's message as an earlier occurrence ('e:<gen>', JSON; with those it
  -- carried itself), told once there. Bounded: the last EARLIER_MAX, the older ones counted ('eMore').
  if (old.ts or '') == '' then
    local EARLIER_MAX = 3
    local carried = {}
    for f, v in pairs(old) do
      local g = string.match(f, '^e:(%d+)$')
      if g then carried[#carried + 1] = {tonumber(g), v} end
    end
    local more = tonumber(old.eMore or '0')
    if old.due == '1' and old.gen and now - tonumber(old.lastAt or '0') <= tonumber(ARGV[11]) then
      local reasons = {}
      for f, v in pairs(old) do
        local key = string.match(f, '^r:(.*)$')
        if key then reasons[#reasons + 1] = {cut(old['l:' .. key] or key, 80), old['k:' .. key] or 'task', tonumber(v)} end
      end
      local e = {
        count = tonumber(old.count or '0'),
        from = tonumber(old.firstFailAt or old.openedAt or '0'),
        to = math.max(tonumber(old.lastFailAt or '0'), tonumber(old.lastAt or '0')),
        r = reasons,
        over = old.state == 'recovered',
      }
      if e.from == 0 then e.from = tonumber(old.openedAt or '0') end
      if old.down then e.down = cjson.decode(old.down) end
      carried[#carried + 1] = {tonumber(old.gen), cjson.encode(e)}
    end
    table.sort(carried, function(a, b) return a[1] > b[1] end)
    for i, c in ipairs(carried) do
      if i <= EARLIER_MAX then redis.call('HSET', inc, 'e:' .. c[1], c[2]) else more = more + 1 end
    end
    if more > 0 then redis.call('HSET', inc, 'eMore', more) end
    -- Owed to Slack for what it carries ('2'; '1' once a signal of its own is): posted by the
    -- scheduled check even if only muted signals join it (claim-2.lua).
    if #carried > 0 then redis.call('HSET', inc, 'due', '2') end
  end
  isNew = 1
end

-- Bounded (src/redis/bounds.ts): at most MAX_REASONS distinct reasons per incident; a signal with a
-- further reason is still counted (count, lastFailAt) without a reason line of its own.
local MAX_REASONS = 16
local key = ARGV[6]
local reasonN = 0
local known = redis.call('HEXISTS', inc, 'r:' .. key) == 1
if known or tonumber(redis.call('HGET', inc, 'reasons') or '0') < MAX_REASONS then
  if not known then redis.call('HINCRBY', inc, 'reasons', 1) end
  reasonN = redis.call('HINCRBY', inc, 'r:' .. key, 1)
  redis.call('HSET', inc, 'l:' .. key, ARGV[7], 'k:' .. key, kind)
  redis.call('HSET', inc, 'lastReason', key)
end
if kind == 'task' then
  local count = redis.call('HINCRBY', inc, 'count', 1)
  if ARGV[8] ~= '' and redis.call('HEXISTS', inc, 'first') == 0 then
    redis.call('HSET', inc, 'first', ARGV[8])
  end
  local firstFail = tonumber(redis.call('HGET', inc, 'firstFailAt') or '0')
  if count == 1 or firstFail == 0 or at < firstFail then
    redis.call('HSET', inc, 'firstFailAt', at)
  end
elseif kind == 'deploy' then
  redis.call('HSET', inc, 'deploy', ARGV[8])
elseif kind == 'action' then
  redis.call('HSET', inc, 'action', ARGV[8])
elseif kind == 'down' then
  redis.call('HSET', inc, 'down', ARGV[8])
end
if kind ~= 'down' then
  local lastFail = tonumber(redis.call('HGET', inc, 'lastFailAt') or '0')
  if at > lastFail then redis.call('HSET', inc, 'lastFailAt', at) end
end
redis.call('HSET', inc, 'lastAt', now)
local rev = redis.call('HINCRBY', inc, 'rev', 1)
redis.call('PEXPIRE', inc, ARGV[9])

local newReason = 0
if reasonN == 1 and isNew == 0 then newReason = 1 end

local m = redis.call('HMGET', inc, 'ts', 'channel', 'lease', 'count', 'gen')
local ts, channel, lease = m[1] or '', m[2] or '', tonumber(m[3] or '0')
local muteUntil = tonumber(redis.call('HGET', KEYS[3], 'until') or '0')
local action
if muteUntil > now then
  action = 'muted'
elseif lease > 0 and now - lease < tonumber(ARGV[4]) then
  action = 'busy'
else
  redis.call('HSET', inc, 'lease', now)
  if ts == '' then action = 'post' else action = 'update' end
end
-- Counted while not muted: owed to Slack, even if it is over before a post goes (claim-2.lua).
if action ~= 'muted' then redis.call('HSET', inc, 'due', '1') end
redis.call('SET', KEYS[2], ARGV[12] .. '|' .. action, 'PX', ARGV[3])
return {'ok', m[5], m[4], isNew, newReason, ts, channel, action, rev}
