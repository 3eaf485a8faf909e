-- Close a service's open incident ("recovered"): a deployment completed, the service reached a
-- steady state, or the scheduled check found running = desired again.
--
-- KEYS[1] incident hash   KEYS[2] mute hash   KEYS[3] seen marker (used when ARGV[8] is '1')
-- ARGV[1] now (ms)   ARGV[2] event time (ms)   ARGV[3] quiet (ms): only when no failure for this long (0: at once)
-- ARGV[4] by (what recovered it)   ARGV[5] lease (ms)   ARGV[6] seen TTL (ms)   ARGV[7] incident TTL (ms)
-- ARGV[8] '1' when the recovering event has a de-duplication id (KEYS[3]), '0' otherwise
--
-- Returns {'dup'} | {'none'} (no open incident) | {'stale'} (a failure came after the event) |
--         {'not-quiet'} | {'ok', gen, ts, channel, action}
--   action: update (you hold the lease) | busy | muted | unposted (the incident never reached Slack)
local now = tonumber(ARGV[1])
local at = tonumber(ARGV[2])
if ARGV[8] == '1' and not redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[6], 'NX') then
  return {'dup'}
end
local inc = KEYS[1]
local h = redis.call('HMGET', inc, 'state', 'lastFailAt')
if h[1] ~= 'open' then return {'none'} end
local lastFail = tonumber(h[2] or '0')
if at < lastFail then return {'stale'} end
local quiet = tonumber(ARGV[3])
if quiet > 0 and now - lastFail < quiet then return {'not-quiet'} end

-- recoveredEventAt: when what recovered it happened; a failure that happened before it is stale (signal-4.lua).
redis.call('HSET', inc, 'state', 'recovered', 'recoveredAt', now, 'recoveredEventAt', at, 'recoveredBy', ARGV[4], 'lastAt', now)
redis.call('HINCRBY', inc, 'rev', 1)
redis.call('PEXPIRE', inc, ARGV[7])

local m = redis.call('HMGET', inc, 'ts', 'channel', 'lease', 'gen')
local ts, channel, lease = m[1] or '', m[2] or '', tonumber(m[3] or '0')
local muteUntil = tonumber(redis.call('HGET', KEYS[2], 'until') or '0')
local action
if ts == '' then
  action = 'unposted'
elseif muteUntil > now then
  action = 'muted'
elseif lease > 0 and now - lease < tonumber(ARGV[5]) then
  action = 'busy'
else
  redis.call('HSET', inc, 'lease', now)
  action = 'update'
end
return {'ok', m[4], ts, channel, action}
