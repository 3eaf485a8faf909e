-- The scheduled check's safety net: take the lease of an incident whose message is missing or
-- behind (Slack was down, the poster crashed, a mute ended) so it can be posted or updated.
--
-- An incident that never reached Slack is posted while it is open and within the window (or down).
-- Once it is over (recovered, or quiet for longer than the window) it is still posted, once and as it
-- ended, when one of its signals came while the service was not muted, or it carries an earlier
-- incident that never reached Slack (`due`, signal-4.lua), and its last signal is less than ARGV[4] old: a failure Slack refused to show (an outage, a busy channel)
-- and that recovered before the catch-up could post it is told late rather than never. One counted
-- only while muted is not posted after the mute (the muter asked for quiet).
--
-- KEYS[1] incident hash   KEYS[2] mute hash
-- ARGV[1] now (ms)   ARGV[2] lease (ms)   ARGV[3] incident window (ms)   ARGV[4] how late an over incident is still posted (ms)
--
-- Returns {'none'} | {'muted'} | {'busy'} | {'stale'} (never posted, over, and not due) | {action, gen}
--   action: post | update
local now = tonumber(ARGV[1])
local inc = KEYS[1]
local h = redis.call('HMGET', inc, 'state', 'ts', 'rev', 'shown', 'lease', 'lastAt', 'down', 'gen', 'due')
if not h[1] then return {'none'} end
local ts = h[2] or ''
local action
if ts == '' then
  local quiet = now - tonumber(h[6] or '0')
  local owed = h[9] ~= false and quiet <= tonumber(ARGV[4])
  if h[1] ~= 'open' and not owed then return {'none'} end
  if h[1] == 'open' and quiet > tonumber(ARGV[3]) and not h[7] and not owed then return {'stale'} end
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
