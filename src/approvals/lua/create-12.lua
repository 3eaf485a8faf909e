--[[
  Create a change request, unless the service is locked by hand or already has an open request.

  KEYS[1] request hash              req:{svc:<env>:<alias>}:<id>
  KEYS[2] active-request pointer    active:{svc:<env>:<alias>}
  KEYS[3] service lock              lock:{svc:<env>:<alias>}
  KEYS[4] invocation → request id   reqinv:{svc:<env>:<alias>}:<invocationId>
  KEYS[5] service audit stream      audit:{svc:<env>:<alias>}
  KEYS[6] the request the caller saw in KEYS[2] (KEYS[1] again when it saw none)
  KEYS[7] the environment's freeze as this service sees it   freeze:{svc:<env>:<alias>}

  ARGV[1] id        ARGV[2] now        ARGV[3] initial state: pending | approved (no approval needed,
            or break-glass: the `breakGlass` field says why) | scheduled (no approval needed, `startAt` ahead)
  ARGV[4] TTL of the request hash and of the active pointer (ms)  ARGV[5] TTL of the invocation key (ms)
  ARGV[6] the id the caller saw in KEYS[2] ('' for none)
  ARGV[7] short summary for the audit entry
  ARGV[8] the first reminder of a break-glass request (its retro index score; '' for none)
  ARGV[9..] field, value pairs of the request hash

  Output:
    OK      created; extra = {'expired', <id>} when a stale pending request was expired on the way,
            {'lapsed', <id>} when an approved request past its startBy lapsed on the way
    EXISTS  this invocation already created a request; extra = {'id', <id>}
    FROZEN  the environment is frozen; extra = the freeze hash
    LOCKED  the service is locked by hand by someone else than the requester (or after a rollback); extra = the lock hash
    BUSY    another request is pending, approved or running; request = that request
    RETRY   the active pointer is not what the caller saw (it may pass '' without reading it
            first); extra = {'active', <the pointer now>}: retry with it

  The active pointer is what makes "one open request per service" atomic. A pointer to a request
  that is gone (TTL, flush) or already final is stale and is replaced; a pending request past its
  expiry is expired here, and an approved one past its startBy lapses here, so neither a lost tick
  nor a lost tick blocks the service. The request (and one expired or lapsed on the way) is in its
  service's indexes when the script returns.

  KEYS[8..12] the service's approval indexes: approvals:{svc:<env>:<alias>}:pending, :approved, :running,
  :scheduled, :retro (every answer about a request re-indexes it: includes/common.lua reindex)
]]
INDEXES = 8
local now = ARGV[2]
if redis.call('EXISTS', KEYS[7]) == 1 then return answer('FROZEN', nil, redis.call('HGETALL', KEYS[7])) end
local prior = redis.call('GET', KEYS[4])
if prior then return answer('EXISTS', nil, { 'id', prior }) end

local requester = ''
for i = 9, #ARGV - 1, 2 do
  if ARGV[i] == 'requester' then requester = ARGV[i + 1] end
end
if refuses(hgetall(KEYS[3]), requester) then return answer('LOCKED', nil, redis.call('HGETALL', KEYS[3])) end

local active = redis.call('GET', KEYS[2]) or ''
if active ~= ARGV[6] then return answer('RETRY', nil, { 'active', active }) end

local extra = {}
if active ~= '' then
  local a = hgetall(KEYS[6])
  if a.id == active then
    if a.state == 'pending' and tonumber(now) >= tonumber(a.expiresAt) then
      expireRequest(KEYS[6], KEYS[2], KEYS[5], a, now)
      reindex(KEYS[6])
      extra = { 'expired', a.id }
    elseif a.state == 'approved' and a.startBy and tonumber(now) >= tonumber(a.startBy) then
      -- Approved but never started by its deadline (a start-deadline tick not run yet): it lapses
      -- here, so it never blocks the service.
      lapseRequest(KEYS[6], KEYS[3], KEYS[2], KEYS[5], a, now, 'it did not start before its start deadline')
      reindex(KEYS[6])
      extra = { 'lapsed', a.id }
    elseif a.state == 'pending' or a.state == 'approved' or a.state == 'scheduled' or a.state == 'running' then
      return answer('BUSY', KEYS[6])
    end
  end
end

local fields = {}
for i = 9, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'state', ARGV[3], 'createdAt', now, 'updatedAt', now, 'approvalCount', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4])
redis.call('SET', KEYS[4], ARGV[1], 'PX', ARGV[5])

local h = hgetall(KEYS[1])
local created = { 'summary', ARGV[7] }
if h.gates then created = { 'summary', ARGV[7], 'gates', h.gates } end
audit(KEYS[5], 'created', h, h.requester, h.reason or '', now, created)
if h.breakGlass then
  audit(KEYS[5], 'break-glass', h, h.requester, h.breakGlass, now)
elseif ARGV[3] ~= 'pending' then
  audit(KEYS[5], 'auto-approved', h, 'bot', 'no approval needed in ' .. (h.environment or ''), now)
end
if ARGV[3] == 'scheduled' then audit(KEYS[5], 'scheduled', h, 'bot', h.startAt or '', now) end
-- The first reminder is the created request's only: set here, after the other request (the open one
-- answered BUSY, or the stale one expired or lapsed on the way) was re-indexed without it.
if ARGV[8] ~= '' then RETRO_AT = ARGV[8] end
return answer('OK', KEYS[1], extra)
