--[[
  A request that can no longer start (the request message could not be posted, the worker could
  not be invoked, the service got locked or the environment frozen before it started; a scheduled
  start found the change window closed, or came too late):
  pending | approved | scheduled → failed, with the reason.

  KEYS[1] request hash   KEYS[2] service lock   KEYS[3] active pointer   KEYS[4] service audit stream
  ARGV[1] now   ARGV[2] actor   ARGV[3] reason

  Output: OK, NOT_FOUND, NOT_OPEN (already running or final; request = current state)

  KEYS[5..9] the service's approval indexes: approvals:{svc:<env>:<alias>}:pending, :approved, :running,
  :scheduled, :retro (every answer about a request re-indexes it: includes/common.lua reindex)
]]
INDEXES = 5
local now = ARGV[1]
local h = hgetall(KEYS[1])
if not h.id then return answer('NOT_FOUND') end
if h.state ~= 'pending' and h.state ~= 'approved' and h.state ~= 'scheduled' then return answer('NOT_OPEN', KEYS[1]) end
redis.call('HSET', KEYS[1], 'state', 'failed', 'decisionReason', ARGV[3], 'updatedAt', now, 'finishedAt', now)
h.state = 'failed'
releaseService(KEYS[2], KEYS[3], h.id)
audit(KEYS[4], 'aborted', h, ARGV[2], ARGV[3], now)
return answer('OK', KEYS[1])
