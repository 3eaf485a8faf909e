--[[
  Record one approval of a pending request; the last needed one approves it.

  KEYS[1] request hash   KEYS[2] service lock   KEYS[3] active pointer   KEYS[4] service audit stream
  KEYS[5] the environment's freeze as this service sees it (freeze:{svc:<env>:<alias>})
  ARGV[1] user   ARGV[2] now   ARGV[3] '1' when the user holds the approver role now (checked at click time)
  ARGV[4] start deadline (ms): an approved request must start within this, or it lapses (startBy)
  ARGV[5] how long the hand-off claim is kept (ms)
  ARGV[6] how old the claim must be before a repeat of the approving click may claim it again (ms)
  ARGV[7] this click's token (random per click; the same when ioredis resends the script)
  ARGV[8] '1' when the environment's change windows are closed now for this request (its verb; not
          break-glass, no start time: src/policy/windows.ts closedForApproval, at the caller's clock)
  KEYS[11] the hand-off claim of this request (approvals:{svc:<env>:<alias>}:handoff:<id>; value:
           '<when claimed>:<token of the click that claimed it>')

  Checks, in this order: exists, pending, not expired, environment not frozen, not the requester, not already approved by
  this user, authorized, service not locked by hand, and for the last needed approval: the change window open (ARGV[8]).

  Output:
    APPROVED           last needed approval: state → approved (approvedAt, startBy set; the hand-off
                       claimed: the caller dispatches the execution), or → scheduled when the request has a start time (the scheduler
                       starts it, and sets startBy then)
    APPROVAL_RECORDED  recorded; more approvals are needed
    NOT_FOUND          no such request (TTL passed, store reset): treat as not approved
    NOT_PENDING        already approved / running / finished / rejected / …; request = current state;
                       extra = {'handoff', '1'} when it is approved (not started) with this user's
                       approval, and the hand-off claim is this very click's (ioredis resent the
                       script after the reply to its first run was lost), or missing, or older than
                       ARGV[6] (a repeat of an approving click whose reply was lost): it hands it off
                       now (claimed again)
    EXPIRED            it was past its expiry: expired now (the caller updates the message)
    FROZEN             the environment is frozen: nothing is approved while it is; extra = the freeze hash
    SELF_APPROVAL      the requester clicked Approve on their own request
    ALREADY_APPROVED   this user already approved it
    NOT_AUTHORIZED     the user is not (or no longer) an approver
    LOCKED             the service is locked by hand; extra = the lock hash
    WINDOW_CLOSED      this would be the last needed approval, but the change windows are closed now
                       (ARGV[8]): nothing recorded, the request stays pending (an approval that is
                       not the last one starts nothing and is recorded)

  Two concurrent clicks are serialized by Redis: exactly one of them sees 'pending' with the last
  approval missing and gets APPROVED; the other gets NOT_PENDING (or ALREADY_APPROVED).

  KEYS[6..10] the service's approval indexes: approvals:{svc:<env>:<alias>}:pending, :approved, :running,
  :scheduled, :retro (every answer about a request re-indexes it: includes/common.lua reindex)
]]
INDEXES = 6
local user, now = ARGV[1], ARGV[2]
if redis.call('HGET', KEYS[1], 'state') == 'approved' and redis.call('HEXISTS', KEYS[1], 'a.' .. user) == 1 then
  local claimed = redis.call('GET', KEYS[11])
  local at, token = '0', ''
  if claimed then at, token = string.match(claimed, '^(%d*):?(.*)$') end
  if not claimed or token == ARGV[7] or tonumber(now) - (tonumber(at) or 0) >= tonumber(ARGV[6]) then
    redis.call('SET', KEYS[11], now .. ':' .. ARGV[7], 'PX', ARGV[5])
    return answer('NOT_PENDING', KEYS[1], { 'handoff', '1' })
  end
end
local h, reply = loadPending(KEYS[1], KEYS[3], KEYS[4], now, user)
if not h then return reply end
if redis.call('EXISTS', KEYS[5]) == 1 then return answer('FROZEN', KEYS[1], redis.call('HGETALL', KEYS[5])) end
if user == h.requester then return answer('SELF_APPROVAL', KEYS[1]) end
if redis.call('HEXISTS', KEYS[1], 'a.' .. user) == 1 then return answer('ALREADY_APPROVED', KEYS[1]) end
if ARGV[3] ~= '1' then return answer('NOT_AUTHORIZED', KEYS[1]) end
local lock = hgetall(KEYS[2])
if refuses(lock, h.requester) then return answer('LOCKED', KEYS[1], redis.call('HGETALL', KEYS[2])) end
-- ARGV[8] (the caller leaves out break-glass and a start time): only the last needed approval starts it.
if ARGV[8] == '1' and (tonumber(h.approvalCount) or 0) + 1 >= tonumber(h.approvalsNeeded) then return answer('WINDOW_CLOSED', KEYS[1]) end

local count = redis.call('HINCRBY', KEYS[1], 'approvalCount', 1)
redis.call('HSET', KEYS[1], 'a.' .. user, now, 'updatedAt', now)
local progress = count .. '/' .. h.approvalsNeeded
if count >= tonumber(h.approvalsNeeded) then
  -- With a start time it waits for the scheduler, which checks the change window (even when the time has come).
  local scheduled = h.startAt ~= nil
  if scheduled then
    h.state = 'scheduled'
    redis.call('HSET', KEYS[1], 'state', 'scheduled')
  else
    h.state = 'approved'
    redis.call('HSET', KEYS[1], 'state', 'approved', 'approvedAt', now, 'startBy', tonumber(now) + tonumber(ARGV[4]))
    redis.call('SET', KEYS[11], now .. ':' .. ARGV[7], 'PX', ARGV[5])
  end
  audit(KEYS[4], 'approved', h, user, progress, now)
  if scheduled then audit(KEYS[4], 'scheduled', h, 'bot', h.startAt, now) end
  return answer('APPROVED', KEYS[1])
end
audit(KEYS[4], 'approval', h, user, progress, now)
return answer('APPROVAL_RECORDED', KEYS[1])
