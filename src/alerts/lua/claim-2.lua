-- The scheduled check's safety net: take the lease of an incident whose message is missing or
-- behind (Slack was down, the poster crashed, a mute ended) so it can be posted or updated.
--
-- KEYS[1] incident hash   KEYS[2] mute hash
-- ARGV[1] now (ms)   ARGV[2] lease (ms)   ARGV[3] incident window (ms)
--
-- Returns {'none'} | {'muted'} | {'busy'} | {'stale'} (never posted and over) | {action, gen}
--   action: post | update
local now = tonumber(ARGV[1])
local inc = KEYS[1]
local h = redis.call('HMGET', inc, 'state', 'ts', 'rev', 'shown', 'lease', 'lastAt', 'down', 'gen')
if not h[1] then return {'none'} end
local ts = h[2] or ''
local action
if ts == '' then
  if h[1] ~= 'open' then return {'none'} end
  if now - tonumber(h[6] or '0') > tonumber(ARGV[3]) and not h[7] then return {'stale'} end
  action = 'post'
elseif tonumber(h[3] or '0') ~= tonumber(h[4] or '-1') then
  action = 'update'
else
  return {'none'}
end
if tonumber(redis.call('HGET', KEYS[2], 'until') or '0') > now then return {'muted'} end
local lease = tonumber(h[5] or '0')
if lease > 0 and now - lease < tonumber(ARGV[2]) then return {'busy'} end
redis.call('HSET', inc, 'lease', now)
return {action, h[8]}
