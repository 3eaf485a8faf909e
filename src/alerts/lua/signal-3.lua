-- Record one signal of trouble (a failed task, a failed deployment, a service action event,
-- "service down") in the service's incident, atomically: de-duplicate it, open a new incident or
-- add to the open one, and decide who talks to Slack. Only the holder of the lease posts or
-- updates the message; everyone else just counts (the holder re-reads before each update).
--
-- KEYS[1] incident hash   KEYS[2] seen marker   KEYS[3] mute hash   (one slot: {svc:<env>:<alias>})
-- ARGV[1] now (ms)        ARGV[2] incident window (ms)   ARGV[3] seen TTL (ms)   ARGV[4] lease (ms)
-- ARGV[5] kind: task | deploy | action | down
-- ARGV[6] reason key      ARGV[7] reason label
-- ARGV[8] facts (JSON; '' for none)   ARGV[9] incident TTL (ms)   ARGV[10] event time (ms)
--
-- Returns {'dup'}, {'stale'} (the failure happened before the incident recovered: EventBridge
-- delivered it late and out of order, so it does not reopen anything) or
-- {'ok', gen, count, isNew, newReason, ts, channel, action, rev}
--   action: post (you hold the lease, nothing posted yet) | update (you hold the lease) |
--           busy (someone else holds it) | muted
local now = tonumber(ARGV[1])
local at = tonumber(ARGV[10])
if not redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3], 'NX') then
  return {'dup'}
end
local inc = KEYS[1]
local kind = ARGV[5]

local h = redis.call('HMGET', inc, 'state', 'lastAt', 'down', 'recoveredEventAt', 'lastFailAt')
local lastAt = tonumber(h[2] or '0')
local window = tonumber(ARGV[2])
if h[1] == 'recovered' and kind ~= 'down' and h[4] and at < tonumber(h[4]) then
  return {'stale'}
end
local isNew = 0
-- A recovered incident, or one quiet for longer than the window (and not down), is over. Quiet in
-- event time too: a late delivery of a failure that happened within the window after the last one
-- (a retried invocation) belongs to this incident, not to a new message.
if h[1] ~= 'open' or (now - lastAt > window and at - tonumber(h[5] or '0') > window and not h[3]) then
  redis.call('HINCRBY', inc, 'gen', 1)
  for _, f in ipairs(redis.call('HKEYS', inc)) do
    if f ~= 'gen' then redis.call('HDEL', inc, f) end
  end
  redis.call('HSET', inc, 'state', 'open', 'openedAt', now, 'lastAt', now, 'count', 0, 'rev', 0, 'shown', -1)
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
return {'ok', m[5], m[4], isNew, newReason, ts, channel, action, rev}
