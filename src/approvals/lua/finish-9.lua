--[[
  running → succeeded | failed; releases the change lock and the active pointer. After a rollback
  (gates.autoLock) the change lock becomes an automatic lock in the same step, so nothing can be
  requested in between: the service stays locked until someone acknowledges it (/ecs unlock).

  KEYS[1] request hash   KEYS[2] service lock   KEYS[3] active pointer   KEYS[4] service audit stream
  ARGV[1] outcome: succeeded | failed   ARGV[2] detail   ARGV[3] now
  ARGV[4] auto-lock reason ('' or absent: no lock)   ARGV[5] auto-lock TTL in ms ('' or absent: none)

  Output:
    OK           finished; extra = {'autolocked', '1'} when the automatic lock was taken
    ALREADY      already in that outcome (a repeated call): nothing written
    NOT_RUNNING  not running (never started, or finished with the other outcome); request = current
    NOT_FOUND    no such request

  KEYS[5..9] the service's approval indexes: approvals:{svc:<env>:<alias>}:pending, :approved, :running,
  :scheduled, :retro (every answer about a request re-indexes it: includes/common.lua reindex)
]]
INDEXES = 5
local outcome, now = ARGV[1], ARGV[3]
local h = hgetall(KEYS[1])
if not h.id then return answer('NOT_FOUND') end
if h.state == outcome then return answer('ALREADY', KEYS[1]) end
if h.state ~= 'running' then return answer('NOT_RUNNING', KEYS[1]) end
redis.call('HSET', KEYS[1], 'state', outcome, 'decisionReason', ARGV[2], 'updatedAt', now, 'finishedAt', now)
h.state = outcome
releaseService(KEYS[2], KEYS[3], h.id)
audit(KEYS[4], outcome, h, 'bot', ARGV[2], now)
local extra = {}
if ARGV[4] and ARGV[4] ~= '' then
  -- A manual lock taken meanwhile stays as it is: the service is locked either way.
  if redis.call('EXISTS', KEYS[2]) == 0 then
    redis.call('HSET', KEYS[2], 'by', 'bot', 'reason', ARGV[4], 'since', now, 'kind', 'rollback', 'request', h.id)
    if ARGV[5] and ARGV[5] ~= '' then redis.call('PEXPIRE', KEYS[2], ARGV[5]) end
    audit(KEYS[4], 'auto-locked', { id = h.id, verb = h.verb, environment = h.environment, service = h.service, state = 'locked' }, 'bot', ARGV[4], now)
    extra = { 'autolocked', '1' }
  end
end
return answer('OK', KEYS[1], extra)
