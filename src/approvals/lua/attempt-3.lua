--[[
  The executor's last step before it sends UpdateService (src/deploy/execute.ts): "the request still
  runs and the lease is mine" checked and the attempt recorded (x.updateAttempts), as one step. A
  worker that finds its lease gone here has recorded nothing and sends nothing, so whoever settles
  the change later (the deadline tick, src/deploy/events.ts settleStalled) knows from the record
  whether an UpdateService may ever have been sent; a recorded attempt may have been.

  KEYS[1] request hash   KEYS[2] lease (same slot)   KEYS[3] service audit stream (same slot)
  ARGV[1] now   ARGV[2] token   ARGV[3] lease TTL (ms)   ARGV[4] the attempt's number

  Output:
    OK           recorded (the lease extended)
    NOT_RUNNING  the request is not running (any more); nothing recorded
    HELD         the lease is not this worker's (expired, or another worker's); nothing recorded
    NOT_FOUND    no such request
]]
local h = hgetall(KEYS[1])
if not h.id then return answer('NOT_FOUND') end
if h.state ~= 'running' then return answer('NOT_RUNNING', KEYS[1]) end
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return answer('HELD', KEYS[1]) end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('HSET', KEYS[1], 'x.updateAttempts', ARGV[4], 'updatedAt', ARGV[1])
audit(KEYS[3], 'updating service', h, 'bot', '{"updateAttempts":' .. ARGV[4] .. '}', ARGV[1])
return answer('OK', KEYS[1])
