--[[
  Lock a service after a rollback the bot did not track (the circuit breaker rolled back a
  deployment made elsewhere): the service stays locked until someone acknowledges it (/ecs unlock).
  Rollbacks of the bot's own changes are locked by the finish script instead.

  KEYS[1] service lock   KEYS[2] service audit stream
  ARGV[1] reason   ARGV[2] now   ARGV[3] environment   ARGV[4] service alias   ARGV[5] TTL in ms (at most 30 days; '' = none)
  ARGV[6] what it is about (an ECS deployment id), for the audit entry

  Output (extra = the lock): OK (locked), ALREADY_LOCKED (a lock was there: kept as it is)
]]
local now = ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 1 then return answer('ALREADY_LOCKED', nil, redis.call('HGETALL', KEYS[1])) end
redis.call('HSET', KEYS[1], 'by', 'bot', 'reason', ARGV[1], 'since', now, 'kind', 'rollback', 'deployment', ARGV[6])
if ARGV[5] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
audit(KEYS[2], 'auto-locked', { environment = ARGV[3], service = ARGV[4], state = 'locked' }, 'bot', ARGV[1], now)
return answer('OK', nil, redis.call('HGETALL', KEYS[1]))
