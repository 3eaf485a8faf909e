--[[
  Withdraw a request that has not started: a pending one by its requester; an approved or a
  scheduled one (its execution has not started yet) by its requester or an approver.

  KEYS[1] request hash   KEYS[2] active pointer   KEYS[3] service audit stream
  ARGV[1] user   ARGV[2] now   ARGV[3] reason (may be empty)   ARGV[4] '1' when the user holds the approver role now

  Output: OK (state → cancelled; extra = {'was', <the state it was in>}), NOT_FOUND, NOT_PENDING (running or final; request = current),
          EXPIRED (a pending request past its expiry: expired now), NOT_REQUESTER (pending, someone else),
          NOT_CANCELLER (approved, neither the requester nor an approver)

  KEYS[4..8] the service's approval indexes: approvals:{svc:<env>:<alias>}:pending, :approved, :running,
  :scheduled, :retro (every answer about a request re-indexes it: includes/common.lua reindex)
]]
INDEXES = 4
local user, now = ARGV[1], ARGV[2]
local h = hgetall(KEYS[1])
if not h.id then return answer('NOT_FOUND') end
if h.state == 'approved' or h.state == 'scheduled' then
  if user ~= h.requester and ARGV[4] ~= '1' then return answer('NOT_CANCELLER', KEYS[1]) end
else
  local reply
  h, reply = loadPending(KEYS[1], KEYS[2], KEYS[3], now, user)
  if not h then return reply end
  if user ~= h.requester then return answer('NOT_REQUESTER', KEYS[1]) end
end

local was = h.state
redis.call('HSET', KEYS[1], 'state', 'cancelled', 'decidedBy', user, 'decisionReason', ARGV[3], 'updatedAt', now, 'finishedAt', now)
h.state = 'cancelled'
releaseService(nil, KEYS[2], h.id)
local detail = ARGV[3]
if was == 'approved' then detail = 'approved, not started' .. (ARGV[3] ~= '' and (': ' .. ARGV[3]) or '') end
audit(KEYS[3], 'cancelled', h, user, detail, now)
return answer('OK', KEYS[1], { 'was', was })
