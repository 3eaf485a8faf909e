--[[
  An approval after the fact of a break-glass request (it ran without waiting). The last needed
  one completes it: the thread stops asking.

  KEYS[1] request hash   KEYS[2] service audit stream
  ARGV[1] user   ARGV[2] now   ARGV[3] '1' when the user holds the approver role now

  Checks, in this order: exists, is break-glass, not already complete or given up, it ran (or may
  still run), not the requester, not already approved by this user, authorized.

  Output:
    RETRO_APPROVED     the last needed approval: retroApprovedAt set
    APPROVAL_RECORDED  recorded; more are needed
    NOT_BREAK_GLASS    the request did not break glass (its Approve button is the normal one)
    RETRO_DONE         already approved after the fact, or asking stopped (retroExpiredAt)
    RETRO_NOT_RUN      it ended without ever starting (failed or cancelled before it started), or failed
                       with its worker's record that it did not run (x.notStarted): nothing to approve
    SELF_APPROVAL      the requester (who broke glass) clicked it
    ALREADY_APPROVED   this user already approved it
    NOT_AUTHORIZED     the user is not (or no longer) an approver
    NOT_FOUND          no such request

  KEYS[3..7] the service's approval indexes: approvals:{svc:<env>:<alias>}:pending, :approved, :running,
  :scheduled, :retro (every answer about a request re-indexes it: includes/common.lua reindex)
]]
INDEXES = 3
local user, now = ARGV[1], ARGV[2]
local h = hgetall(KEYS[1])
if not h.id then return answer('NOT_FOUND') end
if not h.breakGlass then return answer('NOT_BREAK_GLASS', KEYS[1]) end
if h.retroApprovedAt or h.retroExpiredAt then return answer('RETRO_DONE', KEYS[1]) end
if endedNotRun(h.state, h.startedAt, h['x.notStarted']) then return answer('RETRO_NOT_RUN', KEYS[1]) end
if user == h.requester then return answer('SELF_APPROVAL', KEYS[1]) end
if redis.call('HEXISTS', KEYS[1], 'a.' .. user) == 1 then return answer('ALREADY_APPROVED', KEYS[1]) end
if ARGV[3] ~= '1' then return answer('NOT_AUTHORIZED', KEYS[1]) end

local count = redis.call('HINCRBY', KEYS[1], 'approvalCount', 1)
redis.call('HSET', KEYS[1], 'a.' .. user, now, 'updatedAt', now)
local progress = count .. '/' .. h.approvalsNeeded
if count >= tonumber(h.approvalsNeeded) then
  redis.call('HSET', KEYS[1], 'retroApprovedAt', now)
  audit(KEYS[2], 'retro-approved', h, user, progress, now)
  return answer('RETRO_APPROVED', KEYS[1])
end
audit(KEYS[2], 'retro-approval', h, user, progress, now)
return answer('APPROVAL_RECORDED', KEYS[1])
