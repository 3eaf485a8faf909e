--[[
  /ecs lock: lock a service by hand.

  KEYS[1] service lock   KEYS[2] service audit stream
  ARGV[1] user   ARGV[2] reason   ARGV[3] now   ARGV[4] environment   ARGV[5] service alias
  ARGV[6] how long the lock may live (ms; a forgotten lock ends by itself)

  Output (extra = the lock hash):
    OK              locked
    ALREADY_LOCKED  someone (maybe this user) holds a manual lock, or the lock by hand a running change
                    holds for its requester (held.*: start-10.lua)
    CHANGE_RUNNING  a change to the service is running and holds the lock
]]
local user, now = ARGV[1], ARGV[3]
local lock = hgetall(KEYS[1])
if lock.by then
  if lock.kind == 'change' and not lock['held.by'] then return answer('CHANGE_RUNNING', nil, redis.call('HGETALL', KEYS[1])) end
  return answer('ALREADY_LOCKED', nil, redis.call('HGETALL', KEYS[1]))
end
redis.call('HSET', KEYS[1], 'by', user, 'reason', ARGV[2], 'since', now, 'kind', 'manual')
redis.call('PEXPIRE', KEYS[1], ARGV[6])
audit(KEYS[2], 'locked', { environment = ARGV[4], service = ARGV[5], state = 'locked' }, user, ARGV[2], now)
return answer('OK', nil, redis.call('HGETALL', KEYS[1]))
