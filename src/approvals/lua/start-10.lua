--[[
  approved → running, exactly once, taking the service's change lock in the same step. An
  approval is valid for a bounded time: past the request's startBy it lapses here instead
  (approved → failed, the service freed), so a job delivered late never runs an old approval.

  KEYS[1] request hash   KEYS[2] service lock   KEYS[3] active pointer   KEYS[4] service audit stream
  KEYS[5] the environment's freeze as this service sees it (freeze:{svc:<env>:<alias>})
  ARGV[1] now   ARGV[2] change-lock TTL (ms, a safety net if the run never finishes)   ARGV[3] lock reason
  ARGV[4] the reason written when the approval has lapsed
  ARGV[5] until when the starting attempt may run at most (epoch ms; the request's attemptUntil)

  Output:
    OK               now running; the caller executes the plan
    ALREADY_RUNNING  a duplicate delivery of the execute job: do nothing
    START_EXPIRED    past startBy: the request failed now (request = it); the caller says so in its thread
    NOT_APPROVED     not approved (pending, or finished); request = current state
    NOT_FOUND        no such request
    FROZEN           approved, but the environment was frozen since: nothing changed (the caller fails
                     the request with the reason); extra = the freeze hash
    LOCKED           the service was locked by hand (by someone else than the requester) since the approval; extra = the lock hash

  A change lock held by ANOTHER request is stale: a running request is always the service's
  active request, and this request (approved) is the active one, so the other is not running.

  KEYS[6..10] the service's approval indexes: approvals:{svc:<env>:<alias>}:pending, :approved, :running,
  :scheduled, :retro (every answer about a request re-indexes it: includes/common.lua reindex)
]]
INDEXES = 6
local now = ARGV[1]
local h = hgetall(KEYS[1])
if not h.id then return answer('NOT_FOUND') end
if h.state == 'running' then return answer('ALREADY_RUNNING', KEYS[1]) end
if h.state ~= 'approved' then return answer('NOT_APPROVED', KEYS[1]) end
if redis.call('EXISTS', KEYS[5]) == 1 then return answer('FROZEN', KEYS[1], redis.call('HGETALL', KEYS[5])) end
if h.startBy and tonumber(now) >= tonumber(h.startBy) then
  lapseRequest(KEYS[1], KEYS[2], KEYS[3], KEYS[4], h, now, ARGV[4])
  return answer('START_EXPIRED', KEYS[1])
end
local lock = hgetall(KEYS[2])
if refuses(lock, h.requester) then return answer('LOCKED', KEYS[1], redis.call('HGETALL', KEYS[2])) end
local detail = ''
if lock.kind == 'change' and lock.request ~= h.id then detail = 'replaced a stale change lock of ' .. (lock.request or '?') end
-- The requester's own lock by hand (refuses let it through): the change lock holds it for them, and
-- gives it back when the change ends (includes/common.lua releaseService); as does a change lock that held it.
local held = {}
if lock.kind == 'manual' then
  held = { 'held.by', lock.by, 'held.reason', lock.reason or '', 'held.since', lock.since or '', 'held.ttl', redis.call('PTTL', KEYS[2]) }
elseif lock['held.by'] then
  for _, f in ipairs({ 'held.by', 'held.reason', 'held.since', 'held.ttl' }) do table.insert(held, f); table.insert(held, lock[f] or '') end
end
-- A held lock by hand outlives the change lock's safety net: it is not lost with it. `own`: when the
-- change lock alone would expire, which it does again once the held lock is unlocked (unlock-2.lua).
local lockTtl = math.max(tonumber(ARGV[2]), tonumber(held[8]) or 0)
if held[1] then table.insert(held, 'own'); table.insert(held, tonumber(now) + tonumber(ARGV[2])) end

redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'by', h.requester, 'reason', ARGV[3], 'since', now, 'kind', 'change', 'request', h.id, unpack(held))
redis.call('PEXPIRE', KEYS[2], lockTtl)
-- The active pointer lives no longer than the request it points to (src/redis/bounds.ts).
local reqTtl = redis.call('PTTL', KEYS[1])
if reqTtl <= 0 then reqTtl = ARGV[2] end
redis.call('SET', KEYS[3], h.id, 'PX', reqTtl)
redis.call('HSET', KEYS[1], 'state', 'running', 'startedAt', now, 'updatedAt', now, 'attemptUntil', ARGV[5])
h.state = 'running'
audit(KEYS[4], 'started', h, 'bot', detail, now)
return answer('OK', KEYS[1])
