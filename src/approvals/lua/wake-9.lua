--[[
  A scheduled request's time has come (the scheduler tick): scheduled → approved, so the execute
  job can start it. The caller checked the change window first (it is not in Redis).

  KEYS[1] request hash   KEYS[2] service lock   KEYS[3] active pointer   KEYS[4] service audit stream
  ARGV[1] now   ARGV[2] start deadline (ms): like any approval, it must start within this (startBy)

  Output:
    OK             approved now; the caller dispatches the execution
    NOT_DUE        startAt is still ahead; request = current
    NOT_SCHEDULED  not scheduled (cancelled, already started, failed…); request = current
    LOCKED         the service was locked since the approval; extra = the lock (the caller fails it)
    NOT_FOUND      no such request

  KEYS[5..9] the service's approval indexes: approvals:{svc:<env>:<alias>}:pending, :approved, :running,
  :scheduled, :retro (every answer about a request re-indexes it: includes/common.lua reindex)
]]
INDEXES = 5
local now = ARGV[1]
local h = hgetall(KEYS[1])
if not h.id then return answer('NOT_FOUND') end
if h.state ~= 'scheduled' then return answer('NOT_SCHEDULED', KEYS[1]) end
if tonumber(now) < tonumber(h.startAt or '0') then return answer('NOT_DUE', KEYS[1]) end
local lock = hgetall(KEYS[2])
if refuses(lock, h.requester) then return answer('LOCKED', KEYS[1], redis.call('HGETALL', KEYS[2])) end
redis.call('HSET', KEYS[1], 'state', 'approved', 'updatedAt', now, 'approvedAt', now, 'startBy', tonumber(now) + tonumber(ARGV[2]))
h.state = 'approved'
audit(KEYS[4], 'due', h, 'bot', 'scheduled start', now)
return answer('OK', KEYS[1])
