--[[
  The requester withdraws a pending request, or a scheduled one before it starts.

  KEYS[1] request hash   KEYS[2] active pointer   KEYS[3] service audit stream
  ARGV[1] user   ARGV[2] now   ARGV[3] reason (may be empty)

  Output: OK (state → cancelled), NOT_FOUND, NOT_PENDING, EXPIRED (expired now), NOT_REQUESTER
]]
local user, now = ARGV[1], ARGV[2]
local h, reply
local current = hgetall(KEYS[1])
if current.state == 'scheduled' then
  h = current
else
  h, reply = loadPending(KEYS[1], KEYS[2], KEYS[3], now)
  if not h then return reply end
end
if user ~= h.requester then return answer('NOT_REQUESTER', KEYS[1]) end

redis.call('HSET', KEYS[1], 'state', 'cancelled', 'decidedBy', user, 'decisionReason', ARGV[3], 'updatedAt', now, 'finishedAt', now)
h.state = 'cancelled'
releaseService(nil, KEYS[2], h.id)
audit(KEYS[3], 'cancelled', h, user, ARGV[3], now)
return answer('OK', KEYS[1])
