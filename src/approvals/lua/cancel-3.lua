--[[
  The requester withdraws a pending request.

  KEYS[1] request hash   KEYS[2] active pointer   KEYS[3] service audit stream
  ARGV[1] user   ARGV[2] now   ARGV[3] reason (may be empty)

  Output: OK (state → cancelled), NOT_FOUND, NOT_PENDING, EXPIRED (expired now), NOT_REQUESTER
]]
local user, now = ARGV[1], ARGV[2]
local h = hgetall(KEYS[1])
if not h.id then return answer('NOT_FOUND') end
if h.state ~= 'pending' then return answer('NOT_PENDING', KEYS[1]) end
if tonumber(now) >= tonumber(h.expiresAt) then
  expireRequest(KEYS[1], KEYS[2], KEYS[3], h, now)
  return answer('EXPIRED', KEYS[1])
end
if user ~= h.requester then return answer('NOT_REQUESTER', KEYS[1]) end

redis.call('HSET', KEYS[1], 'state', 'cancelled', 'decidedBy', user, 'decisionReason', ARGV[3], 'updatedAt', now, 'finishedAt', now)
h.state = 'cancelled'
releaseService(nil, KEYS[2], h.id)
audit(KEYS[3], 'cancelled', h, user, ARGV[3], now)
return answer('OK', KEYS[1])
