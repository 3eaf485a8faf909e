--[[
  Reject a pending request (an approver, with a reason).

  KEYS[1] request hash   KEYS[2] active pointer   KEYS[3] service audit stream
  ARGV[1] user   ARGV[2] now   ARGV[3] '1' when the user is an approver now   ARGV[4] reason

  Output: OK (state → rejected), NOT_FOUND, NOT_PENDING, EXPIRED (expired now), SELF_REJECT (the
  requester: they cancel instead), NOT_AUTHORIZED

  KEYS[4..8] the service's approval indexes: approvals:{svc:<env>:<alias>}:pending, :approved, :running,
  :scheduled, :retro (every answer about a request re-indexes it: includes/common.lua reindex)
]]
INDEXES = 4
local user, now = ARGV[1], ARGV[2]
local h, reply = loadPending(KEYS[1], KEYS[2], KEYS[3], now, user)
if not h then return reply end
if user == h.requester then return answer('SELF_REJECT', KEYS[1]) end
if ARGV[3] ~= '1' then return answer('NOT_AUTHORIZED', KEYS[1]) end

redis.call('HSET', KEYS[1], 'state', 'rejected', 'decidedBy', user, 'decisionReason', ARGV[4], 'updatedAt', now, 'finishedAt', now)
h.state = 'rejected'
releaseService(nil, KEYS[2], h.id)
audit(KEYS[3], 'rejected', h, user, ARGV[4], now)
return answer('OK', KEYS[1])
